import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger, logConfiguration } from '@backstop/logging';
import { createRegistry, registerConsumerLag, startMetricsServer } from '@backstop/metrics';
import { topicName } from '@backstop/contracts';
import { createPool } from '@backstop/postgres';
import { createRedis } from '@backstop/redis';
import { DetectorConfig } from './config';
import { startDetector } from './consumer';
import { createDetectorMetrics } from './metrics';
import { DatabaseRulesConfig } from './policy/tenant-rules';
import { createPayerStateStore } from './state/create-store';
import { StateSentinel } from './state/state-sentinel';

const config = loadConfig(DetectorConfig);
const logger = createLogger('detector', config.LOG_LEVEL);
logConfiguration(logger, config);

const redis = createRedis(config.REDIS_URL, 'backstop-detector');
const store = createPayerStateStore(redis, config);
const pool = createPool(config.DATABASE_URL, 'backstop-detector', 2);
const rulesConfig = new DatabaseRulesConfig(pool, logger, config.DETECTOR_RULES_CACHE_MS);

const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-detector', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const sentinel = new StateSentinel(redis, config.REDIS_KEY_PREFIX, config.DETECTOR_STATE_REBUILD_SECONDS * 1000, (rebuiltAtMs) =>
  logger.warn({ rebuiltAt: new Date(rebuiltAtMs).toISOString() }, 'payer state was lost from Redis; flags go to review until it is rebuilt'),
);
const registry = createRegistry('detector');
const lagAdmin = kafka.admin();
await lagAdmin.connect();
registerConsumerLag(registry, lagAdmin, `${config.KAFKA_TOPIC_PREFIX}${config.DETECTOR_GROUP_ID}`, topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX));
const metricsServer = await startMetricsServer(registry, config.DETECTOR_METRICS_HOST, config.DETECTOR_METRICS_PORT);
const consumer = await startDetector({ config, kafka, producer, store, rulesConfig, metrics: createDetectorMetrics(registry), sentinel, logger });
logger.info({ address: metricsServer.address }, 'detector consuming');

stopOnSignals(logger, [
  ['consumer', () => consumer.disconnect()],
  ['metrics', () => new Promise<void>((resolve) => metricsServer.server.close(() => resolve()))],
  ['lag admin', () => lagAdmin.disconnect()],
  ['producer', () => producer.disconnect()],
  ['redis', () => redis.quit()],
  ['postgres', () => pool.end()],
], config.SHUTDOWN_TIMEOUT_MS);
