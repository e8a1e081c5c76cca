import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '@backstop/redis';
import { stateSentinelKey } from './keys';
import { defineDetectorScripts } from './scripts';
import { StateSentinel } from './state-sentinel';
import type { StateStatus } from './state-status';

describe('StateSentinel', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-sentinel');
  defineDetectorScripts(redis);
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `test-sentinel-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  afterAll(async () => {
    await redis.del(...prefixes.map(stateSentinelKey));
    await redis.quit();
  });

  it('a first start is complete; a lost key opens one rebuild, shared by every instance, until it is marked rebuilt', async () => {
    const prefix = newPrefix();
    const lost: StateStatus[] = [];
    const first = new StateSentinel(redis, prefix, 60_000, (status) => lost.push(status));
    const second = new StateSentinel(redis, prefix, 60_000, (status) => lost.push(status));
    await first.arm(1_000, false);
    await second.arm(1_500, true);
    expect(await first.rebuilding(2_000)).toBe(false);
    expect(await second.rebuilding(2_000)).toBe(false);

    await redis.del(stateSentinelKey(prefix));
    expect(await first.rebuilding(10_000)).toBe(true);
    expect(await second.rebuilding(20_000)).toBe(true);
    expect(lost).toEqual([{ state: 'rebuilding', lostAtMs: 10_000, episode: expect.any(String) }]);

    const reading = await second.read(30_000);
    expect(await second.markRebuilt(reading, 30_000)).toBe(true);
    expect(await first.rebuilding(30_001)).toBe(false);
    expect((await first.read(30_001)).status).toEqual({ state: 'complete', sinceMs: 30_000 });
  });

  it('stops marking flags after the bound even if no rebuild finished', async () => {
    const sentinel = new StateSentinel(redis, newPrefix(), 60_000);
    await sentinel.arm(1_000, true);
    expect(await sentinel.rebuilding(60_999)).toBe(true);
    expect(await sentinel.rebuilding(61_000)).toBe(false);
  });

  it('a rebuild of an earlier loss cannot mark a later one done', async () => {
    const prefix = newPrefix();
    const sentinel = new StateSentinel(redis, prefix, 60_000);
    await sentinel.arm(1_000, true);
    const earlier = await sentinel.read(2_000);

    await redis.del(stateSentinelKey(prefix));
    expect(await sentinel.markRebuilt(earlier, 3_000)).toBe(false);
    const later = await sentinel.read(4_000);
    expect(later.status).toMatchObject({ state: 'rebuilding', lostAtMs: 4_000 });
    expect(await sentinel.markRebuilt(earlier, 5_000)).toBe(false);
    expect(await sentinel.rebuilding(5_000)).toBe(true);
    expect(await sentinel.markRebuilt(later, 6_000)).toBe(true);
    expect(await sentinel.rebuilding(6_000)).toBe(false);
  });
});
