import { describe, expect, it } from 'vitest';
import { fetchGathering, IDLE_FETCH_WAIT_MS } from './fetch-gathering';

describe('fetchGathering', () => {
  it('at 0 answers every fetch as soon as one message is there, and holds an empty one at most a second', () => {
    expect(fetchGathering(0)).toEqual({ minBytes: 1, maxWaitTimeInMs: IDLE_FETCH_WAIT_MS });
    expect(IDLE_FETCH_WAIT_MS).toBeLessThanOrEqual(1_000);
  });

  it('lets the broker hold a fetch for at most the given time, until some kilobytes arrived', () => {
    const gathering = fetchGathering(50);
    expect(gathering.maxWaitTimeInMs).toBe(50);
    expect(gathering.minBytes).toBeGreaterThan(1_000);
  });
});
