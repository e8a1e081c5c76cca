import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis, type Redis } from '@backstop/redis';
import { payment } from '../rules/rule-fixtures';
import { payerKeys, skuPricesKey } from './keys';
import { toCompact } from './compact-payment';
import { observePaymentArgs, packLimits, type ObserveLimits } from './observe-args';
import { defineDetectorScripts } from './scripts';
import { versionAfterDelivery, versionAfterPayment } from './state-version';

/**
 * observe-payment-8.lua and add-sku-prices-1.lua called directly, with crafted keys and times
 * on the edges of every horizon: what they return, which trims and expiries they issue.
 */
describe('observe-payment-8.lua on a real Redis', () => {
  let redis: Redis;
  const prefix = `test-observe-${randomBytes(3).toString('hex')}`;
  const tenantId = 'cardshop';
  const minute = 60_000;
  const day = 86_400_000;
  const limits: ObserveLimits = {
    historyHorizonMs: 10 * minute, historyCap: 3, seenCap: 100, seenHorizonMs: 60 * minute, payerTtlSeconds: 1_000,
    orderCap: 100, orderHorizonMs: 10 * minute, recipientCap: 2, categoryCap: 2,
  };
  const packed = packLimits(limits);
  const wallMs = Date.parse('2026-06-01T00:00:00Z');

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'backstop-test-observe');
    defineDetectorScripts(redis);
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const newPayer = () => `u_${randomBytes(4).toString('hex')}`;
  const observe = async (p: ReturnType<typeof payment>, nowMs = wallMs) => {
    const [already, body] = (await redis.observePayment(...observePaymentArgs(prefix, tenantId, p, Date.parse(p.occurredAt), undefined, nowMs, packed))) as [0 | 1, string];
    return { already, snapshot: JSON.parse(already === 0 ? body : body.slice(2)) as { newest: number; payments: { p: string; nc?: number }[]; ms: number[]; categories: (string | number)[] } };
  };

  it('returns the history oldest first with its times as numbers, and marks a first purchase in a category', async () => {
    const payerId = newPayer();
    const a = payment(0, { payerId, category: 'skin' });
    const b = payment(60, { payerId, category: 'skin' });
    const late = payment(30, { payerId, category: 'card' });
    await observe(a);
    await observe(b);
    const { snapshot } = await observe(late);
    expect(snapshot.payments.map((p) => p.p)).toEqual([a.paymentId, b.paymentId]);
    expect(snapshot.ms).toEqual([Date.parse(a.occurredAt), Date.parse(b.occurredAt)]);
    expect(snapshot.payments.map((p) => p.nc ?? 0)).toEqual([1, 0]);
    const next = await observe(payment(90, { payerId, category: 'card' }));
    expect(next.snapshot.payments.map((p) => [p.p, p.nc ?? 0])).toEqual([[a.paymentId, 1], [late.paymentId, 1], [b.paymentId, 0]]);
  });

  it('forgets payments, recipients and categories exactly at the horizon, and beyond each cap', async () => {
    const payerId = newPayer();
    const keys = payerKeys(prefix, tenantId, payerId);
    const first = payment(0, { payerId, recipientAccount: '8000000001', category: 'a' });
    await observe(first);
    // Exactly the horizon after the first: still kept (only older than newest - horizon goes).
    await observe(payment(600, { payerId, recipientAccount: '8000000002', category: 'b' }));
    expect(await redis.zcard(keys.payments('CNY'))).toBe(2);
    expect(await redis.zcard(keys.recipients)).toBe(2);
    // One ms later, the first is beyond the horizon.
    await observe(payment(600.001, { payerId, recipientAccount: '8000000002', category: 'b' }));
    expect(await redis.zrange(keys.payments('CNY'), 0, -1)).not.toContain(expect.stringContaining(first.paymentId));
    expect(await redis.zrange(keys.recipients, 0, -1)).toEqual(['8000000002']);
    expect(await redis.zrange(keys.categories, 0, -1)).toEqual(['b']);
    // Caps: three payments, two recipients, two categories.
    for (const [i, account] of ['8000000003', '8000000004', '8000000005'].entries()) {
      await observe(payment(601 + i, { payerId, recipientAccount: account, category: `c${i}` }));
    }
    expect(await redis.zcard(keys.payments('CNY'))).toBe(3);
    expect(await redis.zrange(keys.recipients, 0, -1)).toEqual(['8000000004', '8000000005']);
    expect(await redis.zrange(keys.categories, 0, -1)).toEqual(['c1', 'c2']);
  });

  it('sets every key to expire when the payer starts, renews them a day later, and not in between', async () => {
    const payerId = newPayer();
    const keys = payerKeys(prefix, tenantId, payerId);
    const all = [keys.seen, keys.seenAt, keys.payments('CNY'), keys.orders, keys.ordersAt, keys.recipients, keys.categories];
    await observe(payment(0, { payerId }), wallMs);
    for (const key of all) expect(await redis.ttl(key), key).toBeGreaterThan(990);
    await redis.expire(keys.payments('CNY'), 500);
    await redis.expire(keys.recipients, 500);
    // Within the day: nothing renewed.
    await observe(payment(10, { payerId }), wallMs + day - 1);
    expect(await redis.ttl(keys.payments('CNY'))).toBeLessThanOrEqual(500);
    expect(await redis.ttl(keys.recipients)).toBeLessThanOrEqual(500);
    // A day later: every key renewed, also the ones this payment does not write.
    await observe(payment(20, { payerId, recipientAccount: undefined }), wallMs + day);
    expect(await redis.ttl(keys.payments('CNY'))).toBeGreaterThan(990);
    expect(await redis.ttl(keys.recipients)).toBeGreaterThan(990);
  });

  it('gives a key created between renewals its expiry at once', async () => {
    const payerId = newPayer();
    const keys = payerKeys(prefix, tenantId, payerId);
    await observe(payment(0, { payerId, kind: 'topup', category: undefined, recipientAccount: undefined }), wallMs);
    expect(await redis.exists(keys.categories, keys.recipients)).toBe(0);
    await observe(payment(10, { payerId, currency: 'USD' }), wallMs + 1_000);
    for (const key of [keys.payments('USD'), keys.recipients, keys.categories]) expect(await redis.ttl(key), key).toBeGreaterThan(990);
  });

  it('answers a redelivery with what the first delivery left, and changes nothing', async () => {
    const payerId = newPayer();
    const keys = payerKeys(prefix, tenantId, payerId);
    const p = payment(0, { payerId });
    const first = await observe(p);
    const again = await observe(p);
    expect(first.already).toBe(0);
    expect(again).toEqual({ already: 1, snapshot: first.snapshot });
    expect(await redis.zcard(keys.payments('CNY'))).toBe(1);
  });

  describe('judged ahead', () => {
    const versionOf = async (payerId: string) => (await redis.hget(payerKeys(prefix, tenantId, payerId).seen, '#version')) ?? '';
    /** What a copy exact to Redis would say it holds, read from Redis itself. */
    const countsOf = async (payerId: string) => {
      const keys = payerKeys(prefix, tenantId, payerId);
      const held = await Promise.all([keys.payments('CNY'), keys.recipients, keys.categories, keys.deliveries].map((key) => redis.zcard(key)));
      return [...held, Number((await redis.hget(keys.seen, '#newest')) ?? 0)].join(' ');
    };
    const judgedAhead = async (p: ReturnType<typeof payment>, version: string, orderLength = 0, flags = '[]', counts?: string) =>
      redis.observePayment(
        ...observePaymentArgs(prefix, tenantId, p, Date.parse(p.occurredAt), undefined, wallMs, packed, { version, orderLength, flags, counts: counts ?? (await countsOf(p.payerId)), compact: toCompact(p) }),
      );

    it('records a payment judged against the current version with its flags, returning no snapshot, under the version the caller foresaw', async () => {
      const payerId = newPayer();
      const keys = payerKeys(prefix, tenantId, payerId);
      // A payer with no state yet has the empty version.
      const first = payment(0, { payerId, category: 'skin' });
      expect(await judgedAhead(first, '', 0, '[{"flag":1}]')).toEqual([2]);
      expect(await redis.hget(keys.seen, first.eventId)).toBe('F:[{"flag":1}]');
      expect(await versionOf(payerId)).toBe(versionAfterPayment('', first.eventId));
      // Recorded as an ordinary call records it: the first purchase in its category is marked.
      expect(await redis.zrange(keys.payments('CNY'), 0, -1)).toEqual([expect.stringContaining('"nc":1}')]);
      const second = payment(60, { payerId, category: 'skin' });
      expect(await judgedAhead(second, versionAfterPayment('', first.eventId))).toEqual([2]);
      // A redelivery is answered with what was stored, whatever version it names.
      expect(await judgedAhead(second, 'anything')).toEqual([1, 'F:[]']);
    });

    it('judges afresh when the version moved on, or the order is not as long as the caller thinks', async () => {
      const payerId = newPayer();
      const first = payment(0, { payerId, orderId: 'ord_a' });
      await observe(first);
      const stale = await judgedAhead(payment(10, { payerId }), 'not-the-version');
      expect(stale[0]).toBe(0);
      expect(JSON.parse((stale as [0, string, string])[1]).payments).toHaveLength(1);
      expect((stale as [0, string, string])[2]).toBe(await versionOf(payerId));
      // The caller does not know ord_a has a payment: the lengths differ.
      const unknownOrder = await judgedAhead(payment(20, { payerId, orderId: 'ord_a' }), await versionOf(payerId), 0);
      expect(unknownOrder[0]).toBe(0);
      expect(JSON.parse((unknownOrder as [0, string, string])[1]).order).toHaveLength(1);
    });

    it('judges afresh when the payer holds more or less than the copy, though the version matches', async () => {
      const payerId = newPayer();
      const keys = payerKeys(prefix, tenantId, payerId);
      await observe(payment(0, { payerId, recipientAccount: '8000000001' }));
      const version = await versionOf(payerId);
      // A key that expired on its own, or a write by a detector that keeps no version.
      const exact = await countsOf(payerId);
      await redis.del(keys.recipients);
      expect((await judgedAhead(payment(10, { payerId }), version, 0, '[]', exact))[0]).toBe(0);
      const next = await versionOf(payerId);
      await redis.hset(keys.seen, '#newest', '1');
      expect((await judgedAhead(payment(20, { payerId }), next, 0, '[]', await countsOf(payerId).then((c) => c.replace(/ \d+$/, ' 2'))))[0]).toBe(0);
    });

    it('never matches state an older writer left without a version', async () => {
      const payerId = newPayer();
      const keys = payerKeys(prefix, tenantId, payerId);
      await observe(payment(0, { payerId }));
      await redis.hdel(keys.seen, '#version');
      expect((await judgedAhead(payment(10, { payerId }), ''))[0]).toBe(0);
      expect(await versionOf(payerId)).toMatch(/^[0-9a-f]{16}$/);
    });

    it('chains a delivery onto the version the caller names, and breaks the chain for anyone else', async () => {
      const payerId = newPayer();
      const keys = payerKeys(prefix, tenantId, payerId);
      await observe(payment(0, { payerId, orderId: 'ord_d' }));
      const version = await versionOf(payerId);
      const deliveredMs = Date.parse(payment(30, { payerId }).occurredAt);
      expect(await redis.observeDelivery(keys.seen, keys.deliveries, 'ord_d', deliveredMs, limits.orderHorizonMs, limits.orderCap, 100, `=${version}`)).toEqual([1, 1]);
      expect(await versionOf(payerId)).toBe(versionAfterDelivery(version, 'ord_d', deliveredMs));
      expect(await redis.observeDelivery(keys.seen, keys.deliveries, 'ord_d', deliveredMs, limits.orderHorizonMs, limits.orderCap, 100, `=${version}`)).toEqual([0, 0]);
      expect(await versionOf(payerId)).not.toBe(versionAfterDelivery(version, 'ord_d', deliveredMs));
    });
  });

  it('adds a sku price once per payment and keeps the newest cap of them, one payment or many a call', async () => {
    const key = skuPricesKey(prefix, tenantId, `sku-${randomBytes(3).toString('hex')}`, 'CNY');
    expect(await redis.addSkuPrices(key, 2, 100, 1_000, '3000:pay_1')).toBe(1);
    expect(await redis.addSkuPrices(key, 2, 100, 1_000, '3000:pay_1')).toBe(0);
    expect(await redis.addSkuPrices(key, 2, 100, 2_000, '3100:pay_2', 1_000, '3000:pay_1', 3_000, '2900:pay_3')).toBe(2);
    expect(await redis.zrange(key, 0, -1)).toEqual(['3100:pay_2', '2900:pay_3']);
    expect(await redis.ttl(key)).toBeGreaterThan(90);
  });
});
