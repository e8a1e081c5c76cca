/** One partition's share of a replay: offsets from `from` up to, not including, `to`. */
export interface PartitionRange {
  partition: number;
  from: bigint;
  to: bigint;
}

/** An offset per partition, as KafkaJS's admin returns them. */
export interface PartitionOffset {
  partition: number;
  offset: string;
}

/**
 * Which offsets of each partition a rebuild replays: from the first written at or after the
 * lookback (a partition with nothing that recent is at its end) up to the detector group's
 * committed offset, never past the end as it was when the rebuild began. Events before the
 * committed offset were judged before the loss: their flags are out, only their trace in the
 * windows is missing. Events from it on are still the live consumer's to judge, flags and
 * all, so the replay leaves them alone. Partitions with nothing to replay are left out.
 */
export function planReplay(starts: readonly PartitionOffset[], ends: readonly PartitionOffset[], committed: readonly PartitionOffset[]): PartitionRange[] {
  const offsetOf = (list: readonly PartitionOffset[], partition: number) => {
    const found = list.find((entry) => entry.partition === partition);
    return found === undefined ? undefined : BigInt(found.offset);
  };
  const ranges: PartitionRange[] = [];
  for (const { partition, offset } of ends) {
    const end = BigInt(offset);
    const from = offsetOf(starts, partition) ?? end;
    // A group that never committed on a partition (-1) judged nothing there yet.
    const judgedUpTo = offsetOf(committed, partition) ?? -1n;
    const to = judgedUpTo < 0n ? from : judgedUpTo < end ? judgedUpTo : end;
    if (to > from) ranges.push({ partition, from, to });
  }
  return ranges.sort((a, b) => a.partition - b.partition);
}

export function offsetsIn(ranges: readonly PartitionRange[]): bigint {
  return ranges.reduce((sum, range) => sum + (range.to - range.from), 0n);
}

/**
 * How far a replay got on each partition. A partition is finished once anything at or past
 * its last wanted offset was read, so a range ending on records a consumer never sees (a
 * transaction marker) still finishes.
 */
export class ReplayProgress {
  /** The next offset to read, for partitions not yet finished. */
  private readonly next = new Map<number, bigint>();
  private readonly ranges = new Map<number, PartitionRange>();

  constructor(ranges: readonly PartitionRange[]) {
    for (const range of ranges) {
      this.ranges.set(range.partition, range);
      this.next.set(range.partition, range.from);
    }
  }

  /** Whether the message at `offset` is part of the replay. */
  wants(partition: number, offset: string): boolean {
    const range = this.ranges.get(partition);
    const at = BigInt(offset);
    return range !== undefined && at >= range.from && at < range.to;
  }

  /** Notes that `partition` was read through `offset`; true once it is finished. */
  readThrough(partition: number, offset: string): boolean {
    const next = this.next.get(partition);
    if (next === undefined) return true;
    const after = BigInt(offset) + 1n;
    if (after >= this.ranges.get(partition)!.to) {
      this.next.delete(partition);
      return true;
    }
    if (after > next) this.next.set(partition, after);
    return false;
  }

  /** Where each unfinished partition resumes, e.g. after the consumer rejoined its group. */
  resumePoints(): PartitionOffset[] {
    return [...this.next].map(([partition, offset]) => ({ partition, offset: offset.toString() }));
  }

  finishedPartitions(): number[] {
    return [...this.ranges.keys()].filter((partition) => !this.next.has(partition));
  }

  get finished(): boolean {
    return this.next.size === 0;
  }
}
