import { topicName } from '@backstop/contracts';
import { loadConfig } from '@backstop/config';
import { createIdempotentProducer, createKafka } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger, logConfiguration } from '@backstop/logging';
import { createRegistry, registerConsumerLag, startMetricsServer } from '@backstop/metrics';
import { createPool } from '@backstop/postgres';
import { RefundWorkerConfig } from './config';
import { createRefundWorkerMetrics } from './metrics';
import { startFlagConsumer } from './flag-consumer';
import { startOutboxRelay } from './outbox/relay';
import { startWebhookRelay } from './outbox/webhook-relay';
import { startEventConsumer } from './outcomes/event-consumer';

const config = loadConfig(RefundWorkerConfig);
const logger = createLogger('refund-worker', config.LOG_LEVEL);
logConfiguration(logger, config);

const pool = createPool(config.DATABASE_URL, 'backstop-refund-worker');
const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-refund-worker', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const relay = startOutboxRelay({ pool, producer, topic: topicName('refundCommands', config.KAFKA_TOPIC_PREFIX), logger, pollMs: config.OUTBOX_POLL_MS });
const webhooks = startWebhookRelay({ pool, logger, pollMs: config.OUTBOX_POLL_MS, retryBaseMs: config.WEBHOOK_RETRY_BASE_MS });
const registry = createRegistry('refund-worker');
const metrics = createRefundWorkerMetrics(registry, pool, config.REFUND_CONFIRMATION_SLA_SECONDS);
const lagAdmin = kafka.admin();
await lagAdmin.connect();
const prefix = config.KAFKA_TOPIC_PREFIX;
registerConsumerLag(registry, lagAdmin, `${prefix}${config.REFUND_WORKER_GROUP_ID}`, topicName('flags', prefix));
const metricsServer = await startMetricsServer(registry, config.REFUND_WORKER_METRICS_HOST, config.REFUND_WORKER_METRICS_PORT);
const onDeadLetters = (count: number) => metrics.deadLetters.inc(count);
const events = await startEventConsumer({ config, kafka, producer, pool, logger, onDeadLetters });
const flags = await startFlagConsumer({
  config, kafka, producer, pool, logger, onDeadLetters,
  onApproved: () => relay.wake(),
  onRedelivered: (count) => metrics.redeliveredFlags.inc(count),
});
logger.info({ address: metricsServer.address }, 'refund worker consuming');

stopOnSignals(logger, [
  // Together: each waits for its batch in hand and, when idle, for its fetch's long poll (up to 5 s).
  ['consumers', () => Promise.all([flags.disconnect(), events.disconnect()])],
  ['outbox relay', () => relay.stop()],
  ['webhook relay', () => webhooks.stop()],
  ['producer', () => producer.disconnect()],
  ['metrics', () => new Promise<void>((resolve) => metricsServer.server.close(() => resolve()))],
  ['lag admin', () => lagAdmin.disconnect()],
  ['postgres', () => pool.end()],
], config.SHUTDOWN_TIMEOUT_MS);
