import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

describe('gatherBatches on a long pass', () => {
  // Only the heartbeat's timer is faked: the gathering turn (setImmediate) runs for real.
  beforeEach(() => void vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] }));
  afterEach(() => void vi.useRealTimers());

  /** A pass that runs until `finish` is called, started on one batch whose heartbeat is `heartbeat`. */
  async function longPass(heartbeat: () => Promise<void>) {
    let finish!: () => void;
    const pass = gatherBatches(() => new Promise<void>((resolve) => (finish = resolve)))({ ...payload(0), heartbeat } as unknown as EachBatchPayload);
    await new Promise((resolve) => setImmediate(resolve));
    return { pass, finish: () => finish() };
  }

  it('heartbeats while the pass runs, and stops when it ends', async () => {
    let beats = 0;
    const { pass, finish } = await longPass(async () => void (beats += 1));
    vi.advanceTimersByTime(10_000);
    expect(beats).toBeGreaterThanOrEqual(10);
    finish();
    await pass;
    const atEnd = beats;
    vi.advanceTimersByTime(10_000);
    expect(beats).toBe(atEnd);
  });

  it('lets a heartbeat that hears of a rebalance go, and finishes the pass', async () => {
    let refused = 0;
    const { pass, finish } = await longPass(async () => {
      refused += 1;
      throw new Error('The group is rebalancing');
    });
    vi.advanceTimersByTime(2_000);
    expect(refused).toBeGreaterThan(0);
    finish();
    await expect(pass).resolves.toBeUndefined();
  });
});
