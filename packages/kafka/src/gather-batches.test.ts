import { describe, expect, it } from 'vitest';
import type { EachBatchPayload } from 'kafkajs';
import { gatherBatches } from './gather-batches';

/** The parts of a batch gatherBatches looks at; the broker's side is tested in commit-batches.test.ts. */
const payload = (partition: number, { running = true, stale = false, messages = 1 } = {}) =>
  ({ batch: { partition, messages: Array.from({ length: messages }, () => ({})) }, isRunning: () => running, isStale: () => stale }) as unknown as EachBatchPayload;

describe('gatherBatches', () => {
  it('hands the live batches of one turn over together and settles every batch with the pass', async () => {
    const handed: number[][] = [];
    const eachBatch = gatherBatches(async (payloads) => void handed.push(payloads.map(({ batch }) => batch.partition)));
    const settled = await Promise.all([payload(0), payload(1, { stale: true }), payload(2, { messages: 0 }), payload(3, { running: false }), payload(4)].map(eachBatch));
    expect(handed).toEqual([[0, 4]]);
    expect(settled).toHaveLength(5);
  });

  it('runs no pass for a turn with nothing live in it', async () => {
    let passes = 0;
    const eachBatch = gatherBatches(async () => void (passes += 1));
    await Promise.all([payload(0, { stale: true }), payload(1, { messages: 0 })].map(eachBatch));
    expect(passes).toBe(0);
  });
});
