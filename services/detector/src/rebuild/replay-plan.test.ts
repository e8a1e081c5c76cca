import { describe, expect, it } from 'vitest';
import { offsetsIn, planReplay, ReplayProgress } from './replay-plan';

const at = (...offsets: number[]) => offsets.map((offset, partition) => ({ partition, offset: String(offset) }));

describe('planReplay', () => {
  it('replays from the lookback up to what the group judged, never past the end taken at the start', () => {
    const ranges = planReplay(at(10, 0, 5), at(100, 50, 60), at(90, 70, 60));
    expect(ranges).toEqual([
      { partition: 0, from: 10n, to: 90n },
      { partition: 1, from: 0n, to: 50n },
      { partition: 2, from: 5n, to: 60n },
    ]);
    expect(offsetsIn(ranges)).toBe(80n + 50n + 55n);
  });

  it('leaves out partitions with nothing to replay', () => {
    // 0: nothing written since the lookback; 1: never committed; 2: the group lags behind the lookback.
    expect(planReplay(at(100, 0, 40), at(100, 50, 60), at(100, -1, 30))).toEqual([]);
    expect(planReplay(at(0, 0), at(10, 10), [])).toEqual([]);
  });
});

describe('ReplayProgress', () => {
  it('wants only offsets inside each range', () => {
    const progress = new ReplayProgress([{ partition: 0, from: 10n, to: 20n }]);
    expect([9, 10, 19, 20].map((offset) => progress.wants(0, String(offset)))).toEqual([false, true, true, false]);
    expect(progress.wants(1, '10')).toBe(false);
  });

  it('finishes a partition once anything at or past its last wanted offset was read', () => {
    const progress = new ReplayProgress([
      { partition: 0, from: 10n, to: 20n },
      { partition: 3, from: 0n, to: 5n },
    ]);
    expect(progress.resumePoints()).toEqual([{ partition: 0, offset: '10' }, { partition: 3, offset: '0' }]);
    expect(progress.readThrough(0, '14')).toBe(false);
    expect(progress.resumePoints()).toEqual([{ partition: 0, offset: '15' }, { partition: 3, offset: '0' }]);
    // A stale, earlier batch never moves a partition back.
    expect(progress.readThrough(0, '11')).toBe(false);
    expect(progress.resumePoints()[0]).toEqual({ partition: 0, offset: '15' });
    // The range ends on a transaction marker the consumer never sees: reading past it finishes it.
    expect(progress.readThrough(0, '25')).toBe(true);
    expect(progress.finishedPartitions()).toEqual([0]);
    expect(progress.finished).toBe(false);
    expect(progress.readThrough(3, '4')).toBe(true);
    expect(progress.finished).toBe(true);
    expect(progress.resumePoints()).toEqual([]);
  });

  it('is finished from the start when there is nothing to replay', () => {
    expect(new ReplayProgress([]).finished).toBe(true);
  });
});
