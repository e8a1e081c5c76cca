import { describe, expect, it } from 'vitest';
import { nextAttemptInMs, retryDelayMs } from './backoff';

describe('retryDelayMs', () => {
  it('doubles from the base, between half and all of the ceiling', () => {
    const low = (attempts: number) => retryDelayMs(attempts, { baseMs: 1_000, random: () => 0 });
    const high = (attempts: number) => retryDelayMs(attempts, { baseMs: 1_000, random: () => 1 });
    expect([1, 2, 3, 4].map(low)).toEqual([500, 1_000, 2_000, 4_000]);
    expect([1, 2, 3, 4].map(high)).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(retryDelayMs(1_000, { baseMs: 1_000, capMs: 60_000, random: () => 1 })).toBe(60_000);
    expect(retryDelayMs(1_000, { baseMs: 1_000, capMs: 60_000, random: () => 0 })).toBe(30_000);
  });
});

describe('nextAttemptInMs', () => {
  const options = { baseMs: 1_000, capMs: 60_000, random: () => 1 };

  it('waits as long as a busy endpoint asked when that is longer than the backoff', () => {
    expect(nextAttemptInMs(1, { retryAfterMs: 30_000 }, options)).toBe(30_000);
    expect(nextAttemptInMs(1, {}, options)).toBe(1_000);
    expect(nextAttemptInMs(6, { retryAfterMs: 2_000 }, options)).toBe(32_000);
  });

  it('never waits past the cap, whatever the endpoint asked', () => {
    expect(nextAttemptInMs(1, { retryAfterMs: 7 * 86_400_000 }, options)).toBe(60_000);
  });
});
