import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import { DetectorConfig } from './config';
import { startDetector } from './consumer';
import { StoredFlags } from './detect-batch';
import { defineDetectorScripts, PayerStateStore } from './state/payer-state';

const config = loadConfig(DetectorConfig);
const logger = createLogger('detector', config.LOG_LEVEL);

const redis = createRedis(config.REDIS_URL, 'backstop-detector');
defineDetectorScripts(redis);
const hour = 3_600_000;
const store = new PayerStateStore(
  redis,
  config.REDIS_KEY_PREFIX,
  {
    historyHorizonMs: config.DETECTOR_HISTORY_DAYS * 24 * hour,
    historyCap: config.DETECTOR_HISTORY_CAP,
    seenCap: config.DETECTOR_SEEN_CAP,
    seenHorizonMs: config.DETECTOR_SEEN_HOURS * hour,
    payerTtlSeconds: Math.ceil((config.DETECTOR_HISTORY_DAYS * 24 * hour) / 1000),
    orderTtlSeconds: 30 * 86_400,
  },
  (json) => StoredFlags.parse(JSON.parse(json)),
);

const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-detector', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const consumer = await startDetector({ config, kafka, producer, store, logger });
logger.info('detector consuming');

stopOnSignals(logger, [
  ['consumer', () => consumer.disconnect()],
  ['producer', () => producer.disconnect()],
  ['redis', () => redis.quit()],
]);
