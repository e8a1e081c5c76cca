import { describe, expect, it } from 'vitest';
import { parseInstant, periodOf } from './period';

describe('the period of a backtest', () => {
  it('takes ISO 8601 times with their offset only', () => {
    expect(parseInstant('2026-11-30T08:00:00Z', 'from')).toBe(Date.UTC(2026, 10, 30, 8));
    expect(parseInstant('2026-11-30T16:00:00.000+08:00', 'from')).toBe(Date.UTC(2026, 10, 30, 8));
    for (const bad of ['2026-11-30T08:00:00', 'yesterday', '2026-11-31T08:00:00Z', '1764489600000']) {
      expect(() => parseInstant(bad, 'from'), bad).toThrow(/--from ".*" is not an ISO 8601 time/);
    }
    expect(() => parseInstant(undefined, 'to')).toThrow(/--to is required/);
  });

  it('is a past interval with a warm-up before it', () => {
    expect(periodOf(10 * 3_600_000, 11 * 3_600_000, 2, 12 * 3_600_000)).toEqual({ fromMs: 10 * 3_600_000, toMs: 11 * 3_600_000, warmUpFromMs: 8 * 3_600_000 });
    expect(() => periodOf(2, 1, 0, 10)).toThrow(/--from must be earlier than --to/);
    expect(() => periodOf(1, 20, 0, 10)).toThrow(/--to is in the future/);
    expect(() => periodOf(1, 2, -1, 10)).toThrow(/--warm-up-hours/);
  });
});
