import { describe, expect, it } from 'vitest';
import { KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError } from 'kafkajs';
import { createLogger } from '@backstop/logging';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { eventually } from '../../../test/support/wait';
import { ConsumerHealth } from './consumer-health';
import { isCoordinatorLoss, runsAgainAfter } from './outage-restart';
import { ACKS_ALL, createIdempotentProducer } from './producer';

/** KafkaJS's own error, as its cluster throws it (its typings take no message). */
const coordinatorNotFound = () => new (KafkaJSGroupCoordinatorNotFound as unknown as new (message: string) => Error)('Failed to find group coordinator');

describe('a consumer KafkaJS stopped for want of its group coordinator', () => {
  const scratch = scratchTopic('outage-restart', 1);

  it('recognises the coordinator lost, however KafkaJS wraps it, and nothing else', () => {
    expect(isCoordinatorLoss(coordinatorNotFound())).toBe(true);
    expect(isCoordinatorLoss(new KafkaJSNonRetriableError(coordinatorNotFound()))).toBe(true);
    expect(isCoordinatorLoss(new KafkaJSNonRetriableError('Failed to find group coordinator'))).toBe(true);
    expect(isCoordinatorLoss(new KafkaJSNonRetriableError('Topic authorization failed'))).toBe(false);
    expect(isCoordinatorLoss(undefined)).toBe(false);
  });

  it('runs again, every consumer of a createKafka client, on a real broker: reads what it had not committed, and stays ready', async () => {
    const { kafka, topic } = scratch;
    const logger = createLogger('test', 'silent');
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    await producer.send({ topic, acks: ACKS_ALL, messages: [{ key: 'k', value: 'first' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-group` });
    expect(runsAgainAfter(consumer, coordinatorNotFound())).toBe(true);
    const health = new ConsumerHealth(logger);
    const crashes: boolean[] = [];
    consumer.on(consumer.events.CRASH, ({ payload }) => crashes.push(payload.restart));
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) seen.push(message.value!.toString());
          // What KafkaJS raises when no broker can name the group's coordinator: it gives up for good.
          if (seen.length === 1) throw new KafkaJSNonRetriableError(coordinatorNotFound());
        },
      });
      health.watch('test', consumer);
      await eventually(async () => (seen.length >= 2 ? true : undefined), { timeoutMs: 60_000, what: 'the consumer to read the batch again' });
      expect(crashes).toEqual([false]);
      expect(seen).toEqual(['first', 'first']);
      expect(() => health.assertRunning()).not.toThrow();
    } finally {
      await consumer.disconnect();
    }
  }, 90_000);
});
