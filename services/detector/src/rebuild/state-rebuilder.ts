import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@backstop/logging';
import type { DetectorMetrics } from '../metrics';
import type { RebuildLock } from './rebuild-lock';
import type { ReplayedBatch } from './replay-batch';
import type { EventsReplayer, ReplayOutcome } from './replay-events';
import { offsetsIn } from './replay-plan';
import { replayTotals } from './replay-totals';
import { type SentinelReading, type StateSentinel, marksFlags } from '@backstop/detection';

/**
 * How often each instance looks at the sentinel: a loss is otherwise noticed only by the next
 * batch, and a lock left by a dead rebuilder is taken over within this of its lease running out.
 */
const CHECK_EVERY_MS = 2_000;

type Outcome = 'completed' | 'abandoned' | 'superseded' | 'failed';

export interface StateRebuilderDeps {
  sentinel: StateSentinel;
  lock: RebuildLock;
  replayer: EventsReplayer;
  metrics: Pick<DetectorMetrics, 'stateRebuilding' | 'replayRunning' | 'replayedEvents' | 'rebuilds'>;
  logger: Logger;
  /** The bound on marking flags (DETECTOR_STATE_REBUILD_SECONDS), for the gauge. */
  maxRebuildMs: number;
  /**
   * How long after the loss was noticed the replay is planned (the consumer's session
   * timeout). It replays up to the live group's committed offsets, and a batch that had
   * observed events in Redis before the loss commits them only when it ends; by then every
   * such batch has either committed or lost its partitions in a rebalance, which redelivers
   * its events to be observed again.
   */
  settleMs: number;
  checkEveryMs?: number;
  clock?: () => number;
}

/**
 * Rebuilds the payers' state after Redis lost it, on whichever instance takes the rebuild
 * lock: replays the events topic into Redis, then marks the state complete so every
 * instance's flags are normal again. The others keep consuming and marking their flags
 * until then; if the rebuilding instance dies, its lease runs out and one of them starts
 * over (the replay is idempotent, so a partial one costs only time).
 */
export class StateRebuilder {
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;

  constructor(private readonly deps: StateRebuilderDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  start(): void {
    this.schedule(0);
  }

  /** Stops looking, and abandons a running rebuild, releasing the lock so another instance takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.abort?.abort();
    await this.running;
  }

  /** Until the current rebuild (if this instance runs one) has ended. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Looks at the sentinel once; starts a rebuild if one is needed and this instance gets the lock. */
  async check(): Promise<void> {
    const { sentinel, lock, metrics, maxRebuildMs } = this.deps;
    const now = this.clock();
    const reading = await sentinel.read(now);
    metrics.stateRebuilding.set(marksFlags(reading.status, now, maxRebuildMs) ? 1 : 0);
    if (reading.status.state !== 'rebuilding' || this.running || this.stopped) return;
    if (!(await lock.tryAcquire())) return;
    if (this.stopped) return lock.release();
    this.running = this.rebuild(reading).finally(() => {
      this.running = undefined;
    });
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.check()
        .catch((error: unknown) => this.deps.logger.error({ err: error }, 'could not check whether the payer state needs rebuilding'))
        .finally(() => {
          if (!this.stopped) this.schedule(this.deps.checkEveryMs ?? CHECK_EVERY_MS);
        });
    }, delayMs);
  }

  private async rebuild(reading: SentinelReading): Promise<void> {
    const { sentinel, lock, replayer, metrics, logger } = this.deps;
    const abort = new AbortController();
    this.abort = abort;
    const startedMs = this.clock();
    const lease = setInterval(() => {
      lock.extend().then(
        (held) => held || abort.abort(),
        (error: unknown) => logger.warn({ err: error }, 'could not extend the rebuild lock'),
      );
    }, lock.leaseMs / 3);
    metrics.replayRunning.set(1);
    const { totals, add } = replayTotals();
    const count = (replayed: ReplayedBatch) => {
      add(replayed);
      for (const result of ['restored', 'known', 'skipped'] as const) metrics.replayedEvents.inc({ result }, replayed[result]);
    };
    const summary = () => {
      const seconds = (this.clock() - startedMs) / 1000;
      const events = totals.restored + totals.known + totals.skipped;
      return { ...totals, events, seconds, eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : events };
    };
    let outcome: Outcome = 'failed';
    try {
      const lostAtMs = reading.status.state === 'rebuilding' ? reading.status.lostAtMs : startedMs;
      const settlingMs = Math.min(this.deps.settleMs, lostAtMs + this.deps.settleMs - startedMs);
      logger.info({ settleSeconds: Math.max(0, settlingMs) / 1000 }, 'took the payer state rebuild; replaying once batches in flight at the loss have settled');
      // An abort ends the wait early; the check below then abandons the rebuild.
      if (settlingMs > 0) await sleep(settlingMs, undefined, { signal: abort.signal }).catch(() => undefined);
      let replayed: ReplayOutcome = 'abandoned';
      if (!abort.signal.aborted) {
        const { partitions, ranges } = await replayer.plan(this.clock());
        logger.info(
          { partitions, partitionsToReplay: ranges.length, offsets: Number(offsetsIn(ranges)), ranges: ranges.map((r) => `${r.partition}:${r.from}-${r.to}`) },
          'rebuilding payer state from the events topic',
        );
        replayed = await replayer.replay(ranges, abort.signal, count);
      }
      if (replayed === 'abandoned') {
        outcome = 'abandoned';
        logger.warn(summary(), 'payer state rebuild abandoned; another instance takes it over');
      } else if (await sentinel.markRebuilt(reading, this.clock())) {
        outcome = 'completed';
        metrics.stateRebuilding.set(0);
        logger.info(summary(), 'payer state rebuilt from the events topic; flags are normal again');
      } else {
        outcome = 'superseded';
        logger.warn(summary(), 'payer state was lost again while it was rebuilt; rebuilding again');
      }
    } catch (error) {
      logger.error({ err: error, ...summary() }, 'payer state rebuild failed; retried once the rebuild lock expires');
    } finally {
      clearInterval(lease);
      metrics.replayRunning.set(0);
      metrics.rebuilds.inc({ outcome });
      // A failed rebuild leaves the lock to run out, so the next attempt comes a lease later.
      if (outcome !== 'failed') await lock.release().catch((error: unknown) => logger.warn({ err: error }, 'could not release the rebuild lock'));
    }
  }
}

