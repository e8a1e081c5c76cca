import { describe, expect, it } from 'vitest';
import { scratchConsumer } from '../../../test/support/scratch-consumer';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { eventually } from '../../../test/support/wait';
import { commitBatch } from './commit-batch';

describe('commitBatch on a real broker', () => {
  const scratch = scratchTopic('commit-batch', 1);

  it('commits the batch a disconnect lands in, so the next owner does not redo it', async () => {
    const { kafka, admin, topic } = scratch;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'a' }, { value: 'b' }] });
    await producer.disconnect();

    const { consumer, groupId } = await scratchConsumer(scratch, 'group');
    let disconnected: Promise<void> | undefined;
    const handled = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          if (!payload.isRunning() || payload.batch.messages.length === 0) return;
          // SIGTERM arrives mid-batch: the disconnect starts, and waits for this batch to end.
          disconnected = consumer.disconnect();
          await eventually(async () => (payload.isRunning() ? undefined : true), { intervalMs: 5, what: 'the disconnect to stop the consumer running' });
          await commitBatch(payload);
          resolve();
        },
      });
    });
    await handled;
    await disconnected;

    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed?.partitions).toEqual([{ partition: 0, offset: '2', metadata: null }]);
  }, 60_000);
});
