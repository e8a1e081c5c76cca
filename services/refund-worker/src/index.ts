import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { RefundWorkerConfig } from './config';
import { startRefundWorker } from './consumer';

const config = loadConfig(RefundWorkerConfig);
const logger = createLogger('refund-worker', config.LOG_LEVEL);

const pool = createPool(config.DATABASE_URL, 'backstop-refund-worker');
const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-refund-worker', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const consumer = await startRefundWorker({ config, kafka, producer, pool, logger });
logger.info('refund worker consuming');

stopOnSignals(logger, [
  ['consumer', () => consumer.disconnect()],
  ['producer', () => producer.disconnect()],
  ['postgres', () => pool.end()],
]);
