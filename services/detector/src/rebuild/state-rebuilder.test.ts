import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import { createDetectorMetrics } from '../metrics';
import { RebuildLock } from './rebuild-lock';
import type { EventsReplayer, ReplayOutcome } from './replay-events';
import { eventually } from '../../../../test/support/wait';
import { rebuildLockKey, stateSentinelKey, defineDetectorScripts, StateSentinel } from '@backstop/detection';
import { StateRebuilder } from './state-rebuilder';

const logger = createLogger('test', 'silent');
const hourMs = 3_600_000;

/**
 * Who rebuilds, and when the state counts as rebuilt, on a real Redis. The replay itself is
 * replaced by a stand-in that reports what a real one would (see replay-events.test.ts).
 */
describe('StateRebuilder', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-rebuilder');
  defineDetectorScripts(redis);
  const prefixes: string[] = [];
  /** A lease that nobody extends runs out in Redis; polled, never slept on. */
  const leaseRunsOut = (prefix: string) =>
    eventually(async () => ((await redis.exists(rebuildLockKey(prefix))) === 0 ? true : undefined), { intervalMs: 20, what: 'the rebuild lock to run out' });
  afterAll(async () => {
    await redis.del(...prefixes.flatMap((prefix) => [stateSentinelKey(prefix), rebuildLockKey(prefix)]));
    await redis.quit();
  });

  /** A replay that reports one batch, then does what `finish` says, or waits until aborted. */
  function stubReplayer(finish: () => Promise<ReplayOutcome> | 'wait' = () => Promise.resolve('finished')) {
    const runs: number[] = [];
    let markStarted: () => void = () => undefined;
    const started = new Promise<void>((resolve) => (markStarted = resolve));
    const replayer: EventsReplayer = {
      plan: async () => ({ partitions: 3, ranges: [{ partition: 1, from: 10n, to: 14n }] }),
      replay: async (_ranges, signal, onBatch) => {
        runs.push(Date.now());
        markStarted();
        onBatch({ restored: 3, known: 0, skipped: 1 });
        const next = finish();
        if (next !== 'wait') return next;
        if (signal.aborted) return 'abandoned';
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve('abandoned'), { once: true }));
      },
    };
    return { replayer, runs, started };
  }

  async function instance(prefix: string, replayer: EventsReplayer, leaseMs = 10_000, settleMs = 0) {
    const sentinel = new StateSentinel(redis, prefix, 24 * hourMs);
    const metrics = createDetectorMetrics();
    const rebuilder = new StateRebuilder({ sentinel, lock: new RebuildLock(redis, prefix, leaseMs), replayer, metrics, logger, maxRebuildMs: 24 * hourMs, settleMs });
    return { sentinel, metrics, rebuilder };
  }

  async function lostState(): Promise<string> {
    const prefix = `test-rebuilder-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    await new StateSentinel(redis, prefix, 24 * hourMs).arm(Date.now(), true);
    return prefix;
  }

  const valueOf = async (metric: { get(): Promise<{ values: { value: number; labels: Partial<Record<string, string | number>> }[] }> }, labels: Record<string, string> = {}) =>
    (await metric.get()).values.find((v) => Object.entries(labels).every(([name, value]) => v.labels[name] === value))?.value ?? 0;

  it('one instance: replays after a loss, marks the state rebuilt, and flags are normal again', async () => {
    const prefix = await lostState();
    const { replayer, runs } = stubReplayer();
    const { sentinel, metrics, rebuilder } = await instance(prefix, replayer);
    expect(await sentinel.rebuilding(Date.now())).toBe(true);

    await rebuilder.check();
    await rebuilder.settled();
    expect(runs).toHaveLength(1);
    expect(await sentinel.rebuilding(Date.now())).toBe(false);
    expect(await valueOf(metrics.rebuilds, { outcome: 'completed' })).toBe(1);
    expect(await valueOf(metrics.replayedEvents, { result: 'restored' })).toBe(3);
    expect(await valueOf(metrics.stateRebuilding)).toBe(0);
    expect(await redis.exists(rebuildLockKey(prefix))).toBe(0);

    // Nothing left to do: later checks replay nothing.
    await rebuilder.check();
    await rebuilder.settled();
    expect(runs).toHaveLength(1);
  });

  it('plans the replay only once batches in flight at the loss have settled', async () => {
    const noticedBy = Date.now();
    const prefix = await lostState();
    const { replayer, runs } = stubReplayer();
    const { sentinel, rebuilder } = await instance(prefix, replayer, 10_000, 300);

    await rebuilder.check();
    expect(await sentinel.rebuilding(Date.now())).toBe(true);
    await rebuilder.settled();
    expect(runs).toHaveLength(1);
    // Timers and the wall clock may disagree by a few milliseconds.
    expect(runs[0]!).toBeGreaterThanOrEqual(noticedBy + 250);
    expect(await sentinel.rebuilding(Date.now())).toBe(false);
  });

  it('several instances: one replays, the others keep marking flags until it is done', async () => {
    const prefix = await lostState();
    let finish: (outcome: ReplayOutcome) => void = () => undefined;
    const replaying = stubReplayer(() => new Promise((resolve) => (finish = resolve)));
    const first = await instance(prefix, replaying.replayer);
    const other = stubReplayer();
    const second = await instance(prefix, other.replayer);

    await first.rebuilder.check();
    await replaying.started;
    await second.rebuilder.check();
    expect(other.runs).toHaveLength(0);
    expect(await second.sentinel.rebuilding(Date.now())).toBe(true);
    expect(await valueOf(second.metrics.stateRebuilding)).toBe(1);

    finish('finished');
    await first.rebuilder.settled();
    expect(await second.sentinel.rebuilding(Date.now())).toBe(false);
    await second.rebuilder.check();
    expect(other.runs).toHaveLength(0);
  });

  it('a rebuilder that dies holding the lock is taken over once its lease runs out', async () => {
    const prefix = await lostState();
    const departed = new RebuildLock(redis, prefix, 300);
    expect(await departed.tryAcquire()).toBe(true);
    const { replayer, runs } = stubReplayer();
    const { sentinel, rebuilder } = await instance(prefix, replayer);

    await rebuilder.check();
    expect(runs).toHaveLength(0);
    await leaseRunsOut(prefix);
    await rebuilder.check();
    await rebuilder.settled();
    expect(runs).toHaveLength(1);
    expect(await sentinel.rebuilding(Date.now())).toBe(false);
  });

  it('a rebuilder that shuts down hands over at once', async () => {
    const prefix = await lostState();
    const waiting = stubReplayer(() => 'wait');
    const leaving = await instance(prefix, waiting.replayer);
    const { replayer, runs } = stubReplayer();
    const staying = await instance(prefix, replayer);

    await leaving.rebuilder.check();
    await waiting.started;
    await staying.rebuilder.check();
    expect(runs).toHaveLength(0);
    await leaving.rebuilder.stop();
    expect(await valueOf(leaving.metrics.rebuilds, { outcome: 'abandoned' })).toBe(1);
    await staying.rebuilder.check();
    await staying.rebuilder.settled();
    expect(runs).toHaveLength(1);
    expect(await staying.sentinel.rebuilding(Date.now())).toBe(false);
  });

  it('a failed replay is retried once the lock runs out, by whoever takes it', async () => {
    const prefix = await lostState();
    let attempts = 0;
    const { replayer, runs } = stubReplayer(() => (++attempts === 1 ? Promise.reject(new Error('broker away')) : Promise.resolve('finished')));
    const { sentinel, metrics, rebuilder } = await instance(prefix, replayer, 300);

    await rebuilder.check();
    await rebuilder.settled();
    expect(await valueOf(metrics.rebuilds, { outcome: 'failed' })).toBe(1);
    expect(await sentinel.rebuilding(Date.now())).toBe(true);
    await leaseRunsOut(prefix);
    await rebuilder.check();
    await rebuilder.settled();
    expect(runs).toHaveLength(2);
    expect(await sentinel.rebuilding(Date.now())).toBe(false);
  });

  it('a loss while the replay runs is not marked rebuilt by it', async () => {
    const prefix = await lostState();
    let attempts = 0;
    const { replayer, runs } = stubReplayer(async (): Promise<ReplayOutcome> => {
      // Redis loses everything again mid-replay: what was replayed so far is gone.
      if (++attempts === 1) await redis.del(stateSentinelKey(prefix));
      return 'finished';
    });
    const { sentinel, metrics, rebuilder } = await instance(prefix, replayer);

    await rebuilder.check();
    await rebuilder.settled();
    expect(await valueOf(metrics.rebuilds, { outcome: 'superseded' })).toBe(1);
    expect(await sentinel.rebuilding(Date.now())).toBe(true);
    await rebuilder.check();
    await rebuilder.settled();
    expect(runs).toHaveLength(2);
    expect(await sentinel.rebuilding(Date.now())).toBe(false);
  });
});
