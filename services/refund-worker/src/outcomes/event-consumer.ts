import { IngestedEvent, topicName } from '@backstop/contracts';
import { commitBatch, deadLetterFor, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { RefundWorkerConfig } from '../config';
import { recordEvents } from './record-events';

/** Events that concern refunds; payments themselves arrive as flag evidence. */
const relevant = /"type"\s*:\s*"(order\.delivered|refund\.succeeded|refund\.failed)"/;

/**
 * Reads payment events in its own consumer group (beside the detector's) for deliveries
 * and refund outcomes; offsets are committed after the batch's transaction.
 */
export async function startEventConsumer(deps: { config: RefundWorkerConfig; kafka: Kafka; producer: Producer; pool: Pool; logger: Logger; onDeadLetters?: (count: number) => void }): Promise<Consumer> {
  const { config, kafka, producer, pool, logger } = deps;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const consumer = kafka.consumer({ groupId: `${prefix}${config.REFUND_WORKER_GROUP_ID}-events`, allowAutoTopicCreation: false, sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('paymentEvents', prefix), fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale } = payload;
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = { topic: batch.topic, partition: batch.partition };
      const events: IngestedEvent[] = [];
      const deadLetters: DeadLetter[] = [];
      for (const message of batch.messages) {
        const text = message.value?.toString('utf8') ?? '';
        if (!relevant.test(text)) continue;
        try {
          events.push(IngestedEvent.parse(JSON.parse(text)));
        } catch (error) {
          deadLetters.push(deadLetterFor(message, source, 'refund-worker-events', error instanceof Error ? error.message : String(error)));
        }
      }
      if (events.length > 0) {
        const outcome = await inTransaction(pool, (client) => recordEvents(client, events, new Date()));
        if (outcome.outcomes > 0 || outcome.deliveries > 0) logger.info(outcome, 'platform events recorded');
      }
      await sendDeadLetters(producer, topicName('deadLetter', prefix), deadLetters);
      deps.onDeadLetters?.(deadLetters.length);
      await commitBatch(payload);
    },
  });
  return consumer;
}
