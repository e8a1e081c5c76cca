import { describe, expect, it } from 'vitest';
import { fetchGathering } from './fetch-gathering';

describe('fetchGathering', () => {
  it("keeps Kafka's defaults at 0: every fetch answered as soon as one message is there", () => {
    expect(fetchGathering(0)).toEqual({});
  });

  it('lets the broker hold a fetch for at most the given time, until some kilobytes arrived', () => {
    const gathering = fetchGathering(50);
    expect(gathering.maxWaitTimeInMs).toBe(50);
    expect(gathering.minBytes).toBeGreaterThan(1_000);
  });
});
