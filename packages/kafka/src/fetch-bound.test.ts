import { describe, expect, it } from 'vitest';
import { fetchBound } from './fetch-bound';

describe('fetchBound', () => {
  it('lets a fetch hold each partition handled at once, and no more', () => {
    expect(fetchBound(256 * 1024, 3)).toEqual({ maxBytesPerPartition: 256 * 1024, maxBytes: 768 * 1024 });
  });
});
