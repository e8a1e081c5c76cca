import { describe, expect, it } from 'vitest';
import { SlotRanges } from './slot-ranges';

describe('SlotRanges', () => {
  it('writes slots as the ranges CLUSTER SLOTS would list, and reads them back', () => {
    const ranges = SlotRanges.of([0, 1, 2, 7, 5461, 16383, 16382]);
    expect(ranges.toString()).toBe('0-2,7,5461,16382-16383');
    expect(SlotRanges.parse(ranges.toString()).toString()).toBe(ranges.toString());
    expect(ranges.size).toBe(7);
    expect(ranges.has(2)).toBe(true);
    expect(ranges.has(3)).toBe(false);
  });

  it('takes overlapping and unordered ranges as their union, and unites two sets', () => {
    expect(SlotRanges.parse('10-20,0-4,15-30').toString()).toBe('0-4,10-30');
    expect(SlotRanges.parse('0-5460').union(SlotRanges.parse('10923-16383')).toString()).toBe('0-5460,10923-16383');
    expect(SlotRanges.parse('').size).toBe(0);
  });

  it('refuses what is not a slot or a range', () => {
    for (const text of ['16384', '-1', '5-3', 'a-b', '1-2-3', '0.5']) expect(() => SlotRanges.parse(text), text).toThrow();
    expect(() => SlotRanges.of([16_384])).toThrow();
  });
});
