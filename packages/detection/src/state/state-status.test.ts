import { describe, expect, it } from 'vitest';
import { marksFlags, parseStatus } from './state-status';

describe('state status', () => {
  it('reads what the sentinel stores', () => {
    expect(parseStatus('{"state":"complete","sinceMs":5}', 10)).toEqual({ state: 'complete', sinceMs: 5 });
    expect(parseStatus('{"state":"rebuilding","lostAtMs":5,"episode":"e1"}', 10)).toEqual({ state: 'rebuilding', lostAtMs: 5, episode: 'e1' });
    expect(() => parseStatus('{"state":"lost"}', 10)).toThrow();
  });

  it('reads the end of a fixed rebuild window, as sentinels written before replays held', () => {
    expect(parseStatus('{"rebuiltAtMs":5}', 10)).toEqual({ state: 'complete', sinceMs: 5 });
    expect(parseStatus('{"rebuiltAtMs":50}', 10)).toEqual({ state: 'rebuilding', lostAtMs: 10, episode: 'window-50' });
  });

  it('marks flags while rebuilding, within the bound only', () => {
    const rebuilding = { state: 'rebuilding' as const, lostAtMs: 1_000, episode: 'e1' };
    expect(marksFlags(rebuilding, 1_000, 500)).toBe(true);
    expect(marksFlags(rebuilding, 1_499, 500)).toBe(true);
    expect(marksFlags(rebuilding, 1_500, 500)).toBe(false);
    expect(marksFlags({ state: 'complete', sinceMs: 1_000 }, 1_200, 500)).toBe(false);
  });
});
