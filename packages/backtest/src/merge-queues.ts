import type { KafkaMessage } from 'kafkajs';

export interface Positioned {
  partition: number;
  message: KafkaMessage;
}

/** Messages a partition's reader holds before it waits for the merge to take some. */
const HOLD_PER_PARTITION = 5_000;

/**
 * What the partitions' readers handed over, merged into one order that does not depend on how
 * the broker's fetches happened to interleave: by record timestamp, then partition, then
 * offset. Chunks are cut at a fixed size (only the last may be shorter), so the same period
 * is always run through the rules in the same batches: the sku statistics a batch reads at
 * its start, the one thing in the detector that depends on batch boundaries, come out the
 * same on every run.
 */
export class MergeQueues {
  private readonly queues = new Map<number, { messages: KafkaMessage[]; head: number; done: boolean }>();
  private readonly waiters = new Set<() => void>();
  private failure: unknown;

  constructor(partitions: readonly number[]) {
    for (const partition of partitions) this.queues.set(partition, { messages: [], head: 0, done: false });
  }

  push(partition: number, messages: readonly KafkaMessage[], done: boolean): void {
    const queue = this.queues.get(partition);
    if (!queue || queue.done) return;
    queue.messages.push(...messages);
    queue.done = done;
    this.notify();
  }

  fail(error: unknown): void {
    this.failure = error;
    this.notify();
  }

  /**
   * Whether the partition's reader should wait before handing over more: it holds plenty and
   * the merge is not starving for another partition (whose data may come in the same fetch).
   */
  mustHold(partition: number): boolean {
    const queue = this.queues.get(partition);
    if (!queue || queue.messages.length - queue.head < HOLD_PER_PARTITION) return false;
    return ![...this.queues.values()].some((other) => !other.done && other.messages.length === other.head);
  }

  /** Resolves on the next push, failure or take, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** The partition whose head comes first, or 'wait' while an unfinished partition has nothing queued. */
  private next(): { partition: number; message: KafkaMessage } | 'wait' | 'end' {
    let best: { partition: number; message: KafkaMessage; ts: bigint } | undefined;
    let anyLeft = false;
    for (const [partition, queue] of this.queues) {
      if (queue.head === queue.messages.length) {
        if (!queue.done) return 'wait';
        continue;
      }
      anyLeft = true;
      const message = queue.messages[queue.head]!;
      const ts = BigInt(message.timestamp);
      if (!best || ts < best.ts || (ts === best.ts && partition < best.partition)) best = { partition, message, ts };
    }
    if (!anyLeft || !best) return 'end';
    const queue = this.queues.get(best.partition)!;
    queue.head += 1;
    if (queue.head > 4_096 && queue.head * 2 > queue.messages.length) {
      queue.messages.splice(0, queue.head);
      queue.head = 0;
    }
    return { partition: best.partition, message: best.message };
  }

  /** Chunks of `size` messages in merged order; the last one may be shorter. */
  async *chunks(size: number, signal: AbortSignal): AsyncGenerator<Positioned[]> {
    let chunk: Positioned[] = [];
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (signal.aborted) return;
      const next = this.next();
      if (next === 'end') break;
      if (next === 'wait') {
        await this.changed(200);
        continue;
      }
      chunk.push(next);
      if (chunk.length === size) {
        this.notify();
        yield chunk;
        chunk = [];
      }
    }
    if (chunk.length > 0) yield chunk;
  }
}
