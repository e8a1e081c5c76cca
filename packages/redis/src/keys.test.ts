import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis, deleteMatching, forEachKey } from './index';

describe('forEachKey and deleteMatching on one Redis', () => {
  const redis = createRedis(inject('redisUrl'), 'keys-test');
  const prefix = `keys-test-${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    await deleteMatching(redis, `${prefix}:*`);
    await redis.quit();
  });

  it('visits every matching key across SCAN pages, deletes exactly those, and leaves their neighbours', async () => {
    const pipeline = redis.pipeline();
    // More than one SCAN page, and a neighbour whose name only starts like the pattern.
    for (let i = 0; i < 2_500; i += 1) pipeline.set(`${prefix}:doomed:${i}`, '1');
    pipeline.set(`${prefix}:kept`, '1');
    pipeline.set(`${prefix}:doomedness`, '1');
    await pipeline.exec();

    const seen = new Set<string>();
    await forEachKey(redis, `${prefix}:doomed:*`, async (keys) => { for (const key of keys) seen.add(key); });
    expect(seen.size).toBe(2_500);

    expect(await deleteMatching(redis, `${prefix}:doomed:*`)).toBe(2_500);
    expect(await redis.exists(`${prefix}:doomed:0`, `${prefix}:doomed:2499`)).toBe(0);
    expect(await redis.exists(`${prefix}:kept`, `${prefix}:doomedness`)).toBe(2);
  });
});
