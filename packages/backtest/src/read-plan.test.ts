import { describe, expect, it } from 'vitest';
import { BacktestError } from './backtest-error';
import { planRead } from './read-plan';

const each = (offsets: string[]) => offsets.map((offset, partition) => ({ partition, offset }));

describe('planning the read of the events topic', () => {
  it('reads every partition from the warm-up to the end the topic had when the run began', () => {
    const plan = planRead({
      bounds: [{ partition: 0, low: '0', high: '100' }, { partition: 1, low: '0', high: '50' }, { partition: 2, low: '0', high: '0' }],
      atWarmUp: each(['10', '5', '0']),
      atFrom: each(['60', '20', '0']),
    });
    expect(plan.ranges).toEqual([{ partition: 0, start: '10', end: '100' }, { partition: 1, start: '5', end: '50' }]);
    expect(plan.messages).toBe(135);
    expect(plan.warmUpComplete).toBe(true);
  });

  it('refuses a period whose first events retention may have deleted, naming the partition', () => {
    const facts = { bounds: [{ partition: 0, low: '0', high: '100' }, { partition: 1, low: '40', high: '90' }], atWarmUp: each(['0', '40']), atFrom: each(['10', '40']) };
    expect(() => planRead(facts)).toThrow(BacktestError);
    expect(() => planRead(facts)).toThrow(/partition 1 \(first retained offset 40\)/);
  });

  it('refuses a partition retention emptied entirely', () => {
    expect(() => planRead({ bounds: [{ partition: 0, low: '70', high: '70' }], atWarmUp: each(['70']), atFrom: each(['70']) })).toThrow(/no longer holds the whole period/);
  });

  it('accepts a period still held whole when only the warm-up was cut, and says so', () => {
    const plan = planRead({ bounds: [{ partition: 0, low: '40', high: '100' }], atWarmUp: each(['40']), atFrom: each(['55']) });
    expect(plan).toMatchObject({ ranges: [{ partition: 0, start: '40', end: '100' }], warmUpComplete: false });
  });
});
