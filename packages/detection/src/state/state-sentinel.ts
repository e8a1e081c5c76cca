import { randomUUID } from 'node:crypto';
import { SlotRanges, type Redis } from '@backstop/redis';
import { stateSentinelKey } from './keys';
import { slotsLost, WHOLE_STATE_LOST, type StateLoss } from './state-loss';
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
    private readonly prefix: string,
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
   * Declares the state lost although the sentinel survived: part of it went away with Redis
   * Cluster masters whose replicas took over without their last writes, the `slots` given
   * (all of it without them). A new episode is written either way, since a replay already
   * running may have read those slots before they lost their writes. A loss still being
   * rebuilt is widened, not forgotten: the new episode covers its slots too.
   */
  async declareLost(nowMs: number, slots?: string): Promise<SentinelReading> {
    for (;;) {
      const current = await this.redis.get(this.key);
      if (current === null) return this.claim(lostAt(nowMs), nowMs);
      const before = parseStatus(current, nowMs);
      const unfinished = before.state === 'rebuilding' && marksFlags(before, nowMs, this.maxRebuildMs);
      const status = lostAt(nowMs, unfinished ? widen(before.slots, slots) : slots);
      const raw = JSON.stringify(status);
      // Another detector saw the same failover and wrote first: read its episode and widen that.
      if ((await this.redis.replaceStatus(this.key, current, raw)) === 1) {
        this.onLost(status);
        return { status, raw };
      }
    }
  }

  /** Whether flags raised now rest on a state that is still being rebuilt. */
  async rebuilding(nowMs: number): Promise<boolean> {
    return (await this.loss(nowMs)) !== undefined;
  }

  /** What a loss still being rebuilt may have taken, if flags raised now must be marked. */
  async loss(nowMs: number): Promise<StateLoss | undefined> {
    const { status } = await this.read(nowMs);
    if (status.state !== 'rebuilding' || !marksFlags(status, nowMs, this.maxRebuildMs)) return undefined;
    return status.slots === undefined ? WHOLE_STATE_LOST : slotsLost(this.prefix, status.slots);
  }

  /**
   * Marks the state complete after a replay of the loss `reading` saw. False when the state
   * was lost again meanwhile: that loss needs a replay of its own.
   */
  async markRebuilt(reading: SentinelReading, nowMs: number): Promise<boolean> {
    const complete: StateStatus = { state: 'complete', sinceMs: nowMs };
    return (await this.redis.replaceStatus(this.key, reading.raw, JSON.stringify(complete))) === 1;
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

/** The slots of an unfinished loss and a new one together; undefined (the whole state) when either is. */
function widen(unfinished: string | undefined, slots: string | undefined): string | undefined {
  if (unfinished === undefined || slots === undefined) return undefined;
  return SlotRanges.parse(unfinished).union(SlotRanges.parse(slots)).toString();
}

function lostAt(nowMs: number, slots?: string): StateStatus {
  return { state: 'rebuilding', lostAtMs: nowMs, episode: randomUUID(), ...(slots === undefined ? {} : { slots }) };
}
