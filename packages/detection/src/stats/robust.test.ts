import { describe, expect, it } from 'vitest';
import { median, medianAbsoluteDeviation, powerOfTenOff, robustZ, summarizeLog } from './robust';

describe('robust statistics', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });

  it('measures spread by the median distance from the median, untouched by one wild value', () => {
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
    expect(medianAbsoluteDeviation([7, 7, 7])).toBe(0);
  });

  it('summarizes on the log scale and ignores non-positive values', () => {
    const summary = summarizeLog([100, 100, 1000, 0])!;
    expect(summary.count).toBe(3);
    expect(summary.logMedian).toBeCloseTo(Math.log(100));
    expect(summary.logMad).toBe(0);
    expect(summarizeLog([0])).toBeUndefined();
  });

  it('scores a value far above a tight history as an outlier, and uses the MAD floor when the history never varies', () => {
    const history = summarizeLog([3000, 3000, 3000, 3000])!;
    expect(robustZ(3000, history, 0.25)).toBe(0);
    // ln(30000/3000) = 2.303; 0.6745 × 2.303 / 0.25 = 6.21
    expect(robustZ(30000, history, 0.25)).toBeCloseTo((0.6745 * Math.log(10)) / 0.25, 6);
    expect(robustZ(300, history, 0.25)).toBeLessThan(0);
  });

  it('recognises ratios close to a listed power of ten, and nothing else', () => {
    const exponents = [1, 2, 3, -1];
    expect(powerOfTenOff(10, exponents, 0.05)).toBe(1);
    expect(powerOfTenOff(1000 / 100, exponents, 0.05)).toBe(1);
    expect(powerOfTenOff(98, exponents, 0.05)).toBe(2);
    expect(powerOfTenOff(0.1, exponents, 0.05)).toBe(-1);
    expect(powerOfTenOff(0.01, exponents, 0.05)).toBeUndefined();
    expect(powerOfTenOff(7, exponents, 0.05)).toBeUndefined();
    expect(powerOfTenOff(1, exponents, 0.05)).toBeUndefined();
    expect(powerOfTenOff(648 / 68, exponents, 0.05)).toBe(1); // why a category with mixed price points is no baseline
    expect(powerOfTenOff(0, exponents, 0.05)).toBeUndefined();
  });
});
