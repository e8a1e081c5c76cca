import { beforeAll, describe, expect, it } from 'vitest';
import type { EachBatchPayload } from 'kafkajs';
import { commitBatches } from './commit-batches';
import { gatherBatches } from './gather-batches';
import { ACKS_ALL, createIdempotentProducer } from './producer';
import { scratchConsumer } from '../../../test/support/scratch-consumer';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { eventually } from '../../../test/support/wait';

describe('gatherBatches and commitBatches on a real broker', () => {
  const partitions = 3;
  const scratch = scratchTopic('gather-batches', partitions);

  beforeAll(async () => {
    // Idempotent: a fresh partition may answer "not the leader" to a write it then keeps, and a
    // plain producer's retry would write the messages twice.
    const producer = createIdempotentProducer(scratch.kafka);
    await producer.connect();
    // Two messages on each partition, written before anyone reads: one fetch carries them all.
    await producer.send({ topic: scratch.topic, acks: ACKS_ALL, messages: Array.from({ length: partitions * 2 }, (_, i) => ({ partition: i % partitions, value: `m${i}` })) });
    await producer.disconnect();
  });

  const committed = async (groupId: string) =>
    (await scratch.admin.fetchOffsets({ groupId, topics: [scratch.topic] }))[0]!.partitions.map(({ partition, offset }) => ({ partition, offset })).sort((a, b) => a.partition - b.partition);

  it('hands the batches of one fetch over together and commits all their partitions in one request', async () => {
    const { consumer, groupId } = await scratchConsumer(scratch, 'together');
    let commitRequests = 0;
    consumer.on(consumer.events.REQUEST, ({ payload }) => void (payload.apiName === 'OffsetCommit' && (commitRequests += 1)));
    const groups: number[][] = [];
    let seen = 0;
    const allSeen = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: partitions,
        eachBatch: gatherBatches(async (payloads) => {
          groups.push(payloads.map(({ batch }) => batch.partition).sort());
          await commitBatches(payloads);
          seen += payloads.reduce((sum, { batch }) => sum + batch.messages.length, 0);
          if (seen === partitions * 2) resolve();
        }),
      });
    });
    await allSeen;
    await consumer.disconnect();
    // Written before the consumer joined, all three partitions come back in the first fetch.
    expect(groups[0]!.length).toBeGreaterThan(1);
    expect(groups.flat().sort()).toEqual([0, 1, 2]);
    expect(commitRequests).toBe(groups.length);
    expect(await committed(groupId)).toEqual([0, 1, 2].map((partition) => ({ partition, offset: '2' })));
  }, 60_000);

  it('settles every batch of a group with its failure, so none is committed and the fetch is redone', async () => {
    const { consumer, groupId } = await scratchConsumer(scratch, 'failing');
    let attempts = 0;
    const settled: string[] = [];
    const redone = new Promise<void>((resolve) => {
      const handle = gatherBatches(async (payloads: EachBatchPayload[]) => {
        attempts += 1;
        if (attempts === 1) throw new Error('Redis went away');
        await commitBatches(payloads);
        resolve();
      });
      void consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: partitions,
        eachBatch: (payload) =>
          handle(payload).then(
            () => void settled.push('ok'),
            (error: Error) => {
              settled.push(error.message);
              throw error;
            },
          ),
      });
    });
    await redone;
    await consumer.disconnect();
    expect(settled.slice(0, partitions)).toEqual(Array(partitions).fill('Redis went away'));
    expect(await committed(groupId)).toEqual([0, 1, 2].map((partition) => ({ partition, offset: '2' })));
  }, 60_000);

  it('commits the group a disconnect lands in, so the next owner does not redo it', async () => {
    const { consumer, groupId } = await scratchConsumer(scratch, 'stopping');
    let disconnected: Promise<void> | undefined;
    const handled = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: partitions,
        eachBatch: gatherBatches(async (payloads) => {
          // SIGTERM arrives mid-fetch: the disconnect starts, and waits for these batches to end.
          disconnected = consumer.disconnect();
          await eventually(async () => (payloads.every(({ isRunning }) => !isRunning()) ? true : undefined), {
            intervalMs: 5, what: 'the disconnect to stop the consumer running',
          });
          await commitBatches(payloads);
          resolve();
        }),
      });
    });
    await handled;
    await disconnected;
    const offsets = await committed(groupId);
    expect(offsets.filter(({ offset }) => offset === '2').length).toBeGreaterThan(0);
    expect(offsets.every(({ offset }) => offset === '2' || offset === '-1')).toBe(true);
  }, 60_000);
});
