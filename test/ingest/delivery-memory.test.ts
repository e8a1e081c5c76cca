import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '@backstop/redis';
import { DeliveryMemory } from '../../services/ingest/src/delivery-memory';

describe('the delivery memory, on real Redis', () => {
  const redis = createRedis(inject('redisUrl'), 'delivery-memory-test');
  const keyPrefix = `test-memory-${randomBytes(4).toString('hex')}`;
  const memory = new DeliveryMemory(redis, { keyPrefix, windowSeconds: 86_400, shards: 16 });
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const hour = 3_600_000;

  afterAll(async () => {
    const keys = await redis.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const claimOne = async (eventId: string, fingerprint: string, nowMs: number) => (await memory.claim('shop', [{ eventId, fingerprint }], nowMs))[0]!;

  it('remembers an accepted id for the whole window, and forgets it after', async () => {
    const first = await claimOne('evt_window', 'fp-a', t0);
    expect(first.prior).toEqual({ state: 'new' });
    await memory.markAccepted([{ claim: first.claim, receivedAtMs: t0 }]);

    const withinWindow = await claimOne('evt_window', 'fp-a', t0 + 24 * hour - 1);
    expect(withinWindow.prior).toEqual({ state: 'accepted', sameBody: true, receivedAt: new Date(t0).toISOString() });
    expect((await claimOne('evt_window', 'fp-b', t0 + hour)).prior).toMatchObject({ state: 'accepted', sameBody: false });
    // At most two slices (4 h) past the window, the id is forgotten: a late retry is new again.
    expect((await claimOne('evt_window', 'fp-a', t0 + 28 * hour)).prior).toEqual({ state: 'new' });
  });

  it('holds a pending claim against concurrent deliveries, and treats an abandoned one as new', async () => {
    await claimOne('evt_pending', 'fp', t0);
    expect((await claimOne('evt_pending', 'fp', t0 + 1_000)).prior).toEqual({ state: 'in-flight', retryAfterMs: 1_000 });
    // Still held long after any publish would have ended: the retry is told to wait out the hold.
    expect((await claimOne('evt_pending', 'fp', t0 + 10_000)).prior).toEqual({ state: 'in-flight', retryAfterMs: 20_000 });
    // The delivery that claimed it died between Kafka's acknowledgement and the mark.
    expect((await claimOne('evt_pending', 'fp', t0 + 31_000)).prior).toEqual({ state: 'new' });
  });

  it('forgets a released claim at once, so the retry of a failed publish is accepted normally', async () => {
    const claimed = await claimOne('evt_released', 'fp', t0);
    await memory.release([claimed.claim]);
    expect((await claimOne('evt_released', 'fp', t0 + 1)).prior).toEqual({ state: 'new' });
  });

  it('keeps tenants apart', async () => {
    const [claimed] = await memory.claim('shop', [{ eventId: 'evt_shared', fingerprint: 'fp' }], t0);
    await memory.markAccepted([{ claim: claimed!.claim, receivedAtMs: t0 }]);
    expect((await memory.claim('other-shop', [{ eventId: 'evt_shared', fingerprint: 'fp' }], t0))[0]!.prior).toEqual({ state: 'new' });
  });

  it('gives every slice a time to live beyond the window', async () => {
    const claimed = await claimOne('evt_ttl', 'fp', Date.now());
    const ttl = await redis.ttl(claimed.claim.key);
    expect(ttl).toBeGreaterThan(86_400);
    expect(ttl).toBeLessThanOrEqual(86_400 + 4 * 3_600);
  });
});
