import { topicName } from '@backstop/contracts';
import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { RefundWorkerConfig } from './config';
import { startFlagConsumer } from './flag-consumer';
import { startOutboxRelay } from './outbox/relay';
import { startWebhookRelay } from './outbox/webhook-relay';
import { startEventConsumer } from './outcomes/event-consumer';

const config = loadConfig(RefundWorkerConfig);
const logger = createLogger('refund-worker', config.LOG_LEVEL);

const pool = createPool(config.DATABASE_URL, 'backstop-refund-worker');
const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-refund-worker', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const relay = startOutboxRelay({ pool, producer, topic: topicName('refundCommands', config.KAFKA_TOPIC_PREFIX), logger, pollMs: config.OUTBOX_POLL_MS });
const webhooks = startWebhookRelay({ pool, logger, pollMs: config.OUTBOX_POLL_MS, retryBaseMs: config.WEBHOOK_RETRY_BASE_MS });
const events = await startEventConsumer({ config, kafka, producer, pool, logger });
const flags = await startFlagConsumer({ config, kafka, producer, pool, logger, onApproved: () => relay.wake() });
logger.info('refund worker consuming');

stopOnSignals(logger, [
  ['flag consumer', () => flags.disconnect()],
  ['event consumer', () => events.disconnect()],
  ['outbox relay', () => relay.stop()],
  ['webhook relay', () => webhooks.stop()],
  ['producer', () => producer.disconnect()],
  ['postgres', () => pool.end()],
]);
