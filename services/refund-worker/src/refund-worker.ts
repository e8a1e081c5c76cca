import type { Consumer, Kafka } from 'kafkajs';
import { topicName } from '@backstop/contracts';
import { ConsumerHealth, createIdempotentProducer, createKafka, kafkaSecurity } from '@backstop/kafka';
import { ShutdownPlan, type ShutdownStep } from '@backstop/lifecycle';
import { createLogger, type Logger } from '@backstop/logging';
import { createRegistry, registerConsumerLag, registerConsumerRunning, startMetricsServer } from '@backstop/metrics';
import { createPool, type Pool } from '@backstop/postgres';
import type { RefundWorkerConfig } from './config';
import { startFlagConsumer } from './flag-consumer';
import { createRefundWorkerMetrics } from './metrics';
import { startOutboxRelay } from './outbox/relay';
import { startWebhookRelay } from './outbox/webhook-relay';
import { startEventConsumer } from './outcomes/event-consumer';

/** What a caller may hand in instead of what the configuration names; it closes those itself. */
export interface RefundWorkerParts {
  logger?: Logger;
  kafka?: Kafka;
  pool?: Pool;
}

export interface RefundWorker {
  readonly logger: Logger;
  /** Connects, starts the relays and joins both consumer groups. */
  start(): Promise<{ flagConsumer: Consumer; eventConsumer: Consumer; metricsAddress: string }>;
  /** Stop steps in the order they run, for `stopOnSignals`. */
  shutdownSteps(): ShutdownStep[];
  stop(): Promise<void>;
}

/** The refund worker, wired once: `src/index.ts` and anything that runs it in process build it here. */
export function createRefundWorker(config: RefundWorkerConfig, parts: RefundWorkerParts = {}): RefundWorker {
  const logger = parts.logger ?? createLogger('refund-worker', config.LOG_LEVEL);
  const plan = new ShutdownPlan();
  return {
    logger,
    shutdownSteps: () => plan.ordered,
    stop: () => plan.run(),
    async start() {
      const pool = parts.pool ?? createPool(config.DATABASE_URL, 'backstop-refund-worker');
      if (!parts.pool) plan.add('postgres', () => pool.end());
      const kafka = parts.kafka ?? createKafka(config.KAFKA_BROKERS, 'backstop-refund-worker', logger, { security: kafkaSecurity(config) });
      const producer = createIdempotentProducer(kafka, logger);
      await producer.connect();
      plan.add('producer', () => producer.disconnect());
      const prefix = config.KAFKA_TOPIC_PREFIX;
      const relay = startOutboxRelay({ pool, producer, topic: topicName('refundCommands', prefix), logger, pollMs: config.OUTBOX_POLL_MS });
      plan.add('outbox relay', () => relay.stop());
      const webhooks = startWebhookRelay({ pool, logger, pollMs: config.OUTBOX_POLL_MS, retryBaseMs: config.WEBHOOK_RETRY_BASE_MS });
      plan.add('webhook relay', () => webhooks.stop());

      const registry = createRegistry('refund-worker');
      const metrics = createRefundWorkerMetrics(registry, pool, config.REFUND_CONFIRMATION_SLA_SECONDS);
      const lagAdmin = kafka.admin();
      await lagAdmin.connect();
      plan.add('lag admin', () => lagAdmin.disconnect());
      registerConsumerLag(registry, lagAdmin, `${prefix}${config.REFUND_WORKER_GROUP_ID}`, topicName('flags', prefix));
      const consumers = new ConsumerHealth(logger);
      registerConsumerRunning(registry, consumers);
      const metricsServer = await startMetricsServer(registry, config.REFUND_WORKER_METRICS_HOST, config.REFUND_WORKER_METRICS_PORT, () => consumers.assertRunning());
      plan.add('metrics', () => new Promise<void>((resolve) => metricsServer.server.close(() => resolve())));

      const onDeadLetters = (count: number) => metrics.deadLetters.inc(count);
      const eventConsumer = await startEventConsumer({ config, kafka, producer, pool, logger, onDeadLetters });
      consumers.watch('refund-worker-events', eventConsumer);
      const flagConsumer = await startFlagConsumer({
        config, kafka, producer, pool, logger, onDeadLetters,
        onApproved: () => relay.wake(),
        onRedelivered: (count) => metrics.redeliveredFlags.inc(count),
      });
      consumers.watch('refund-worker', flagConsumer);
      // Together: each waits for its batch in hand and, when idle, for its fetch's long poll (up to 5 s).
      plan.add('consumers', () => Promise.all([flagConsumer.disconnect(), eventConsumer.disconnect()]));
      return { flagConsumer, eventConsumer, metricsAddress: metricsServer.address };
    },
  };
}
