import type { PayerCopy } from './payer-copy';

/**
 * The payers' state copies one detector keeps, most recently used last: at most `capacity`
 * payments held over all copies, and none older than `maxAgeMs` since it was read from Redis
 * (a copy is exact only while every write to its payer went through it; the age bounds how
 * long it may stand for state that expired in Redis meanwhile).
 */
export class PayerCopies {
  private readonly copies = new Map<string, { copy: PayerCopy; readMs: number; weight: number }>();
  private held = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  /** Payments held over all copies. */
  get payments(): number {
    return this.held;
  }

  get size(): number {
    return this.copies.size;
  }

  /** The payer's copy, if it is young enough; it becomes the most recently used. */
  take(key: string): PayerCopy | undefined {
    const entry = this.copies.get(key);
    if (!entry) return undefined;
    this.copies.delete(key);
    if (this.clock() - entry.readMs > this.maxAgeMs) {
      this.held -= entry.weight;
      return undefined;
    }
    this.copies.set(key, entry);
    return entry.copy;
  }

  /** Keeps `copy`, read from Redis at `readMs` (a copy carried forward keeps the time it was read). */
  put(key: string, copy: PayerCopy, readMs = this.clock()): void {
    if (!this.enabled) return;
    this.drop(key);
    const weight = copy.weight;
    this.copies.set(key, { copy, readMs, weight });
    this.held += weight;
    for (const [oldest, entry] of this.copies) {
      if (this.held <= this.capacity) break;
      this.copies.delete(oldest);
      this.held -= entry.weight;
    }
  }

  /** The payer's copy, young or not, leaving the order of use as it is. */
  peek(key: string): PayerCopy | undefined {
    return this.copies.get(key)?.copy;
  }

  /** When the payer's copy was read from Redis, if there is one. */
  readAt(key: string): number | undefined {
    return this.copies.get(key)?.readMs;
  }

  drop(key: string): void {
    const entry = this.copies.get(key);
    if (!entry) return;
    this.copies.delete(key);
    this.held -= entry.weight;
  }
}
