import { describe, expect, it } from 'vitest';
import { retryAfterMs } from './retry-after';

describe('retryAfterMs', () => {
  const now = Date.parse('2026-12-02T18:00:00Z');

  it('reads delay-seconds and an HTTP date', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Wed, 02 Dec 2026 18:01:30 GMT', now)).toBe(90_000);
  });

  it('ignores what is absent, unreadable or already past', () => {
    for (const header of [null, '', '-5', '1.5', 'soon', '2026-12-02T18:05:00Z', 'Wed, 02 Dec 2026 17:59:00 GMT']) {
      expect(retryAfterMs(header, now), String(header)).toBeUndefined();
    }
  });
});
