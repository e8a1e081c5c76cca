import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createRedis } from '@backstop/redis';
import { StateSentinel } from './state-sentinel';

describe('StateSentinel', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-sentinel');
  const prefix = `test-sentinel-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    await redis.del(`${prefix}:det:state-sentinel`);
    await redis.quit();
  });

  it('a first start is complete; a lost key opens one rebuild window, shared by every instance', async () => {
    const lost: number[] = [];
    const first = new StateSentinel(redis, prefix, 60_000, (at) => lost.push(at));
    const second = new StateSentinel(redis, prefix, 60_000, (at) => lost.push(at));
    await first.arm(1_000, false);
    await second.arm(1_500, true);
    expect(await first.rebuilding(2_000)).toBe(false);
    expect(await second.rebuilding(2_000)).toBe(false);

    await redis.del(`${prefix}:det:state-sentinel`);
    expect(await first.rebuilding(10_000)).toBe(true);
    expect(await second.rebuilding(20_000)).toBe(true);
    expect(lost).toEqual([70_000]);
    expect(await second.rebuilding(70_000)).toBe(false);
  });

  it('a group that built state before but finds no sentinel at start has lost it', async () => {
    const key = `${prefix}-restart`;
    const sentinel = new StateSentinel(redis, key, 60_000);
    await sentinel.arm(1_000, true);
    expect(await sentinel.rebuilding(2_000)).toBe(true);
    await redis.del(`${key}:det:state-sentinel`);
  });
});
