import { IngestedEvent, topicName } from '@backstop/contracts';
import { commitBatches, deadLetterFor, fetchGathering, groupMembership, runByFetch, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { RefundWorkerConfig } from '../config';
import { recordEvents } from './record-events';

/** Events that concern refunds; payments themselves arrive as flag evidence. */
const relevant = /"type"\s*:\s*"(order\.delivered|refund\.succeeded|refund\.failed)"/;

/**
 * Reads payment events in its own consumer group (beside the detector's) for deliveries
 * and refund outcomes. The batches of every partition in one fetch are recorded in one
 * transaction, and their offsets committed together after it: most events are payments this
 * consumer skips, so a transaction and a commit per partition would cost more than the events.
 */
export async function startEventConsumer(deps: { config: RefundWorkerConfig; kafka: Kafka; producer: Producer; pool: Pool; logger: Logger; onDeadLetters?: (count: number) => void }): Promise<Consumer> {
  const { config, kafka, producer, pool, logger } = deps;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const consumer = kafka.consumer({ groupId: `${prefix}${config.REFUND_WORKER_GROUP_ID}-events`, allowAutoTopicCreation: false, ...groupMembership(config.KAFKA_SESSION_TIMEOUT_MS), ...fetchGathering(config.REFUND_WORKER_FETCH_GATHER_MS) });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('paymentEvents', prefix), fromBeginning: true });

  const handleFetch = async (live: EachBatchPayload[]) => {
    const events: IngestedEvent[] = [];
    const deadLetters: DeadLetter[] = [];
    for (const { batch } of live) {
      const source = { topic: batch.topic, partition: batch.partition };
      for (const message of batch.messages) {
        const text = message.value?.toString('utf8') ?? '';
        if (!relevant.test(text)) continue;
        try {
          events.push(IngestedEvent.parse(JSON.parse(text)));
        } catch (error) {
          deadLetters.push(deadLetterFor(message, source, 'refund-worker-events', error instanceof Error ? error.message : String(error)));
        }
      }
    }
    if (events.length > 0) {
      const outcome = await inTransaction(pool, (client) => recordEvents(client, events, new Date()));
      if (outcome.outcomes > 0 || outcome.deliveries > 0) logger.info(outcome, 'platform events recorded');
    }
    await sendDeadLetters(producer, topicName('deadLetter', prefix), deadLetters);
    deps.onDeadLetters?.(deadLetters.length);
    await commitBatches(live);
  };

  await runByFetch(consumer, handleFetch);
  return consumer;
}
