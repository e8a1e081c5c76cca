import type { Admin } from 'kafkajs';
import { BacktestError } from './backtest-error';
import type { Period } from './period';

/** One partition's offsets to read: [start, end), end being the partition's end when the run began. */
export interface PartitionRange {
  partition: number;
  start: string;
  end: string;
}

export interface ReadPlan {
  ranges: PartitionRange[];
  /** Messages in the ranges: the progress bar's 100 %. */
  messages: number;
  /** False when retention already deleted part of the warm-up: the report says so. */
  warmUpComplete: boolean;
  /** Partitions whose earliest events are gone, with their first retained offset. */
  truncated: { partition: number; firstRetained: string }[];
}

export interface OffsetFacts {
  /** Per partition: the low (first retained) and high (next to be written) offsets. */
  bounds: { partition: number; low: string; high: string }[];
  /** Per partition: the first offset whose timestamp is at or after the warm-up start (high if none). */
  atWarmUp: { partition: number; offset: string }[];
  /** The same for the period's start. */
  atFrom: { partition: number; offset: string }[];
}

/**
 * Decides what to read from what the broker says about the topic's offsets. Retention deletes
 * a partition's oldest records and moves its low offset up. Where the low offset is above 0
 * and the first record at or after `--from` is that very first retained one, records of the
 * period may be among those deleted: the period is not held whole, and the backtest refuses
 * rather than report a partial diff as complete. A warm-up cut short the same way is allowed,
 * and stated in the report.
 */
export function planRead({ bounds, atWarmUp, atFrom }: OffsetFacts): ReadPlan {
  const offsetIn = (list: { partition: number; offset: string }[], partition: number) => list.find((entry) => entry.partition === partition)?.offset;
  const truncated = bounds.filter(({ low }) => BigInt(low) > 0n).map(({ partition, low }) => ({ partition, firstRetained: low }));
  const periodCut = truncated.filter(({ partition, firstRetained }) => BigInt(offsetIn(atFrom, partition) ?? firstRetained) <= BigInt(firstRetained));
  if (periodCut.length > 0) {
    throw new BacktestError(
      'period-not-retained',
      `the events topic no longer holds the whole period: retention deleted the oldest events of partition${periodCut.length > 1 ? 's' : ''} ` +
        `${periodCut.map((cut) => `${cut.partition} (first retained offset ${cut.firstRetained})`).join(', ')}, and nothing older than --from remains there. ` +
        'Choose a later --from, or keep events longer (KAFKA_EVENTS_RETENTION_DAYS, docs/backtest.md).',
    );
  }
  const warmUpCut = truncated.some(({ partition, firstRetained }) => BigInt(offsetIn(atWarmUp, partition) ?? firstRetained) <= BigInt(firstRetained));
  const ranges = bounds
    .map(({ partition, low, high }) => {
      const start = offsetIn(atWarmUp, partition) ?? low;
      return { partition, start: BigInt(start) < BigInt(low) ? low : start, end: high };
    })
    .filter(({ start, end }) => BigInt(start) < BigInt(end))
    .sort((a, b) => a.partition - b.partition);
  const messages = ranges.reduce((sum, { start, end }) => sum + Number(BigInt(end) - BigInt(start)), 0);
  return { ranges, messages, warmUpComplete: !warmUpCut, truncated };
}

/** Asks the broker for the offsets planRead decides from. */
export async function offsetFacts(admin: Admin, topic: string, period: Period): Promise<OffsetFacts> {
  const ends = await admin.fetchTopicOffsets(topic);
  const atWarmUp = await admin.fetchTopicOffsetsByTimestamp(topic, period.warmUpFromMs);
  const atFrom = await admin.fetchTopicOffsetsByTimestamp(topic, period.fromMs);
  return {
    bounds: ends.map(({ partition, low, high }) => ({ partition, low, high })),
    atWarmUp: atWarmUp.map(({ partition, offset }) => ({ partition, offset })),
    atFrom: atFrom.map(({ partition, offset }) => ({ partition, offset })),
  };
}
