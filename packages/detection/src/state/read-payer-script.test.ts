import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis, type Redis } from '@backstop/redis';
import { payment } from '../rules/rule-fixtures';
import { payerKeys } from './keys';
import { observePaymentArgs, packLimits } from './observe-args';
import { readPayerArgs } from './read-payer-args';
import { defineDetectorScripts } from './scripts';

/**
 * read-payer-6.lua on a real Redis: it returns exactly the snapshot observe-payment-8.lua
 * would return for the same payment, and leaves every key of the payer as it found it.
 */
describe('read-payer-6.lua on a real Redis', () => {
  let redis: Redis;
  const prefix = `test-read-payer-${randomBytes(3).toString('hex')}`;
  const tenantId = 'cardshop';
  const packed = packLimits({
    historyHorizonMs: 86_400_000, historyCap: 50, seenCap: 100, seenHorizonMs: 86_400_000, payerTtlSeconds: 200_000,
    orderCap: 100, orderHorizonMs: 86_400_000, recipientCap: 20, categoryCap: 30,
  });

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'backstop-test-read-payer');
    defineDetectorScripts(redis);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const observe = (p: ReturnType<typeof payment>) => redis.observePayment(...observePaymentArgs(prefix, tenantId, p, Date.parse(p.occurredAt), undefined, Date.now(), packed));
  const read = (p: ReturnType<typeof payment>) => redis.readPayer(...readPayerArgs(prefix, tenantId, p));
  /**
   * Every key of the payer with its contents and remaining life. Contents, not DUMP's bytes: a
   * large hash is a hashtable, which a mere lookup may step through rehashing, reordering its
   * DUMP without changing a field.
   */
  async function everything(payerId: string): Promise<Record<string, [unknown, number]>> {
    const keys = (await redis.keys(`${prefix}:det:{${tenantId}:${payerId}}:*`)).sort();
    const out: Record<string, [unknown, number]> = {};
    for (const key of keys) {
      const type = await redis.type(key);
      const contents = type === 'hash' ? Object.entries(await redis.hgetall(key)).sort() : type === 'zset' ? await redis.zrange(key, 0, -1, 'WITHSCORES') : await redis.get(key);
      out[key] = [contents, Math.ceil((await redis.pttl(key)) / 60_000)];
    }
    return out;
  }

  it('returns what observing the payment would have returned, and changes nothing', async () => {
    const payerId = `u_${randomBytes(4).toString('hex')}`;
    await observe(payment(0, { payerId, orderId: 'ord_1', category: 'card', recipientAccount: '8000123456' }));
    await observe(payment(60, { payerId, orderId: 'ord_2', category: 'skin', recipientAccount: '8000765432' }));
    await redis.zadd(payerKeys(prefix, tenantId, payerId).deliveries, 90_000, 'ord_1');
    const next = payment(120, { payerId, orderId: 'ord_1', category: 'card' });

    const stateBefore = await everything(payerId);
    const readOnly = await read(next);
    expect(await everything(payerId)).toEqual(stateBefore);
    expect(JSON.parse(readOnly).order).toHaveLength(1);

    const [already, observed, version] = (await observe(next)) as [0, string, string];
    expect(already).toBe(0);
    // The same snapshot, and the version it was the state of (the observation then replaced it).
    const { version: readVersion, ...snapshot } = JSON.parse(readOnly) as { version: string };
    expect(snapshot).toEqual(JSON.parse(observed));
    expect(readVersion).toMatch(/^[0-9a-f]{16}$/);
    expect(version).not.toBe(readVersion);
  });

  it('reads an unknown payer as an empty state and creates no key for it', async () => {
    const payerId = `u_${randomBytes(4).toString('hex')}`;
    const snapshot = JSON.parse(await read(payment(0, { payerId })));
    expect(snapshot).toEqual({ newest: 0, payments: [], ms: [], order: [], recipients: [], categories: [], deliveries: [], context: {}, version: '' });
    expect(await redis.keys(`${prefix}:det:{${tenantId}:${payerId}}:*`)).toEqual([]);
  });

  it('declares itself read-only to Redis, which then refuses any write in it', async () => {
    const source = readFileSync(new URL('../lua/read-payer-6.lua', import.meta.url), 'utf8');
    expect(source.split('\n')[0]).toBe('#!lua flags=no-writes');
    await expect(redis.eval('#!lua flags=no-writes\nreturn redis.call("SET", KEYS[1], "x")', 1, `${prefix}:probe`)).rejects.toThrow(/Write commands are not allowed/);
  });
});
