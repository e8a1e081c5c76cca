import { randomUUID } from 'node:crypto';
import type { Redis } from '@backstop/redis';
import { stateSentinelKey } from './keys';
import { marksFlags, parseStatus, type StateStatus } from './state-status';

/** The sentinel as read: its status, and the exact text, which a rebuild hands back to mark it done. */
export interface SentinelReading {
  status: StateStatus;
  raw: string;
}

/**
 * Notices that Redis lost the payers' state, and tells every instance whether it is being
 * rebuilt. A key written when the state began is checked before every batch: Redis that
 * restarted empty, or was flushed, no longer has it. The first instance to find it missing
 * writes a new loss; from then until the replay of the events topic marks the state complete
 * (or `maxRebuildMs` passed), what a rule finds or does not find may rest on history Redis no
 * longer has, so flags are marked and the refund policy never refunds them automatically.
 */
export class StateSentinel {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly maxRebuildMs: number,
    private readonly onLost: (status: StateStatus) => void = () => undefined,
  ) {
    this.key = stateSentinelKey(prefix);
  }

  /**
   * At start: a group that never committed anything starts from an empty state on purpose;
   * one that did, but finds no sentinel, has lost what it built.
   */
  async arm(nowMs: number, processedBefore: boolean): Promise<void> {
    await this.claim(processedBefore ? lostAt(nowMs) : { state: 'complete', sinceMs: nowMs }, nowMs);
  }

  /** The state's status; a missing sentinel is a loss, written here for every instance to see. */
  async read(nowMs: number): Promise<SentinelReading> {
    const stored = await this.redis.get(this.key);
    return stored === null ? this.claim(lostAt(nowMs), nowMs) : { status: parseStatus(stored, nowMs), raw: stored };
  }

  /**
   * Declares the state lost although the sentinel survived: part of it went away with a
   * Redis Cluster master whose replica took over without its last writes. A loss already
   * being rebuilt is left alone; its replay covers this one too only if it starts after
   * it, so a new episode is written either way.
   */
  async declareLost(nowMs: number): Promise<SentinelReading> {
    const status = lostAt(nowMs);
    const raw = JSON.stringify(status);
    await this.redis.set(this.key, raw);
    this.onLost(status);
    return { status, raw };
  }

  /** Whether flags raised now rest on a state that is still being rebuilt. */
  async rebuilding(nowMs: number): Promise<boolean> {
    return marksFlags((await this.read(nowMs)).status, nowMs, this.maxRebuildMs);
  }

  /**
   * Marks the state complete after a replay of the loss `reading` saw. False when the state
   * was lost again meanwhile: that loss needs a replay of its own.
   */
  async markRebuilt(reading: SentinelReading, nowMs: number): Promise<boolean> {
    const complete: StateStatus = { state: 'complete', sinceMs: nowMs };
    return (await this.redis.completeRebuild(this.key, reading.raw, JSON.stringify(complete))) === 1;
  }

  private async claim(status: StateStatus, nowMs: number): Promise<SentinelReading> {
    // Several detectors may notice at once; the first to write decides for all.
    const raw = JSON.stringify(status);
    if (await this.redis.set(this.key, raw, 'NX')) {
      if (status.state === 'rebuilding') this.onLost(status);
      return { status, raw };
    }
    const stored = await this.redis.get(this.key);
    return stored === null ? this.claim(status, nowMs) : { status: parseStatus(stored, nowMs), raw: stored };
  }
}

function lostAt(nowMs: number): StateStatus {
  return { state: 'rebuilding', lostAtMs: nowMs, episode: randomUUID() };
}
