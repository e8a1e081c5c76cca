import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger, logConfiguration } from '@backstop/logging';
import { createRegistry, registerConsumerLag, startMetricsServer } from '@backstop/metrics';
import { topicName } from '@backstop/contracts';
import { createPool } from '@backstop/postgres';
import { createRedis } from '@backstop/redis';
import { DetectorConfig, rebuildLookbackMs } from './config';
import { startDetector } from './consumer';
import { createDetectorMetrics } from './metrics';
import { DatabaseRulesConfig } from './policy/tenant-rules';
import { RebuildLock } from './rebuild/rebuild-lock';
import { kafkaEventsReplayer } from './rebuild/replay-events';
import { StateRebuilder } from './rebuild/state-rebuilder';
import { createPayerStateStore } from './state/create-store';
import { StateSentinel } from './state/state-sentinel';

const config = loadConfig(DetectorConfig);
const logger = createLogger('detector', config.LOG_LEVEL);
logConfiguration(logger, config);

const redis = createRedis(config.REDIS_URL, 'backstop-detector');
const store = createPayerStateStore(redis, config);
const pool = createPool(config.DATABASE_URL, 'backstop-detector', 2);
const rulesConfig = new DatabaseRulesConfig(pool, logger, config.DETECTOR_RULES_CACHE_MS);
const groupId = `${config.KAFKA_TOPIC_PREFIX}${config.DETECTOR_GROUP_ID}`;
const eventsTopic = topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX);

const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-detector', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const maxRebuildMs = config.DETECTOR_STATE_REBUILD_SECONDS * 1000;
const sentinel = new StateSentinel(redis, config.REDIS_KEY_PREFIX, maxRebuildMs, () =>
  logger.warn('payer state was lost from Redis; flags go to review until it is rebuilt from the events topic'),
);
const registry = createRegistry('detector');
const metrics = createDetectorMetrics(registry);
const lagAdmin = kafka.admin();
await lagAdmin.connect();
registerConsumerLag(registry, lagAdmin, groupId, eventsTopic);
const metricsServer = await startMetricsServer(registry, config.DETECTOR_METRICS_HOST, config.DETECTOR_METRICS_PORT);
const consumer = await startDetector({ config, kafka, producer, store, rulesConfig, metrics, sentinel, logger });

// A connection of its own, so the replay's pipelines never queue in front of live batches.
const replayRedis = createRedis(config.REDIS_URL, 'backstop-detector-rebuild');
const rebuilder = new StateRebuilder({
  sentinel,
  lock: new RebuildLock(redis, config.REDIS_KEY_PREFIX, config.DETECTOR_REBUILD_LOCK_SECONDS * 1000),
  replayer: kafkaEventsReplayer({
    kafka, topic: eventsTopic, groupId, store: createPayerStateStore(replayRedis, config), lookbackMs: rebuildLookbackMs(config), logger,
  }),
  metrics,
  logger,
  maxRebuildMs,
  settleMs: config.DETECTOR_SESSION_TIMEOUT_MS,
});
rebuilder.start();
logger.info({ address: metricsServer.address }, 'detector consuming');

stopOnSignals(logger, [
  ['state rebuild', () => rebuilder.stop()],
  ['consumer', () => consumer.disconnect()],
  ['metrics', () => new Promise<void>((resolve) => metricsServer.server.close(() => resolve()))],
  ['lag admin', () => lagAdmin.disconnect()],
  ['producer', () => producer.disconnect()],
  ['redis', () => Promise.all([redis.quit(), replayRedis.quit()])],
  ['postgres', () => pool.end()],
], config.SHUTDOWN_TIMEOUT_MS);
