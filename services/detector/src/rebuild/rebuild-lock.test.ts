import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '@backstop/redis';
import { RebuildLock } from './rebuild-lock';
import { eventually } from '../../../../test/support/wait';
import { rebuildLockKey, defineDetectorScripts } from '@backstop/detection';

describe('RebuildLock', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-rebuild-lock');
  defineDetectorScripts(redis);
  const prefix = `test-lock-${randomUUID().slice(0, 8)}`;
  afterAll(async () => {
    await redis.del(rebuildLockKey(prefix));
    await redis.quit();
  });

  it('one holder at a time; only the holder extends or releases it', async () => {
    const first = new RebuildLock(redis, prefix, 10_000);
    const second = new RebuildLock(redis, prefix, 10_000);
    expect(await first.tryAcquire()).toBe(true);
    expect(await second.tryAcquire()).toBe(false);
    expect(await second.extend()).toBe(false);
    await second.release();
    expect(await first.extend()).toBe(true);
    await first.release();
    expect(await second.tryAcquire()).toBe(true);
    expect(await first.extend()).toBe(false);
    await second.release();
  });

  it('a holder that stops extending loses the lock to the next one', async () => {
    const departed = new RebuildLock(redis, prefix, 200);
    const successor = new RebuildLock(redis, prefix, 10_000);
    expect(await departed.tryAcquire()).toBe(true);
    expect(await successor.tryAcquire()).toBe(false);
    // The departed holder never extends: its lease runs out in Redis.
    await eventually(async () => ((await redis.exists(rebuildLockKey(prefix))) === 0 ? true : undefined), { intervalMs: 20, what: 'the lease to run out' });
    expect(await successor.tryAcquire()).toBe(true);
    // The departed holder learns it no longer holds it, and cannot release its successor's claim.
    expect(await departed.extend()).toBe(false);
    await departed.release();
    expect(await redis.exists(rebuildLockKey(prefix))).toBe(1);
    await successor.release();
  });
});
