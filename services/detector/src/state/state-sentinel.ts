import type { Redis } from '@backstop/redis';
import { z } from 'zod';

/** What the sentinel key holds: since when the payers' state is complete again. */
const SentinelValue = z.strictObject({ rebuiltAtMs: z.number() });
type SentinelValue = z.infer<typeof SentinelValue>;

/**
 * Notices that Redis lost the payers' state. A key written when the state began is checked
 * before every batch: Redis that restarted empty, or was flushed, no longer has it. From then
 * until `rebuildMs` later the windows are still refilling from new traffic, so what a rule
 * finds (or does not find) may rest on history it no longer has; flags raised in that time
 * are marked, and the refund policy never refunds them automatically.
 */
export class StateSentinel {
  private readonly key: string;
  private known: SentinelValue | undefined;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly rebuildMs: number,
    private readonly onLost: (rebuiltAtMs: number) => void = () => undefined,
  ) {
    this.key = `${prefix}:det:state-sentinel`;
  }

  /**
   * At start: a group that never committed anything starts from an empty state on purpose;
   * one that did, but finds no sentinel, has lost what it built.
   */
  async arm(nowMs: number, processedBefore: boolean): Promise<void> {
    await this.claim(processedBefore ? nowMs + this.rebuildMs : nowMs, processedBefore);
  }

  /** Whether flags raised now rest on a state that is still being rebuilt. */
  async rebuilding(nowMs: number): Promise<boolean> {
    const stored = await this.redis.get(this.key);
    if (stored === null) await this.claim(nowMs + this.rebuildMs, true);
    else this.known = SentinelValue.parse(JSON.parse(stored));
    return nowMs < (this.known?.rebuiltAtMs ?? 0);
  }

  private async claim(rebuiltAtMs: number, lost: boolean): Promise<void> {
    // Several detectors may notice at once; the first to write decides the window for all.
    const won = await this.redis.set(this.key, JSON.stringify({ rebuiltAtMs }), 'NX');
    const stored = won ? JSON.stringify({ rebuiltAtMs }) : await this.redis.get(this.key);
    this.known = SentinelValue.parse(JSON.parse(stored ?? JSON.stringify({ rebuiltAtMs })));
    if (won && lost) this.onLost(rebuiltAtMs);
  }
}
