import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PaymentSnapshot } from '@backstop/contracts';
import { createRedis, type Redis } from '@backstop/redis';
import { PayerStateSettings } from './state-settings';
import { payment } from '../rules/rule-fixtures';
import { createPayerStateStore } from './create-store';
import { payerKeys } from './keys';

// Machines that get Redis from a container have no redis-server binary to start a private one.
const redisServerInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** The observe script on a real Redis: what it returns, what it keeps, and its bounds. */
describe('payer state in Redis', () => {
  let redis: Redis;
  const prefix = `test-state-${randomBytes(3).toString('hex')}`;
  const config = PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix, DETECTOR_ORDER_CAP: '3', DETECTOR_SEEN_CAP: '4', DETECTOR_HISTORY_CAP: '5', DETECTOR_RECIPIENT_CAP: '2' });
  const tenantId = 'cardshop';

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'backstop-test-state');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const observe = (store: ReturnType<typeof createPayerStateStore>, p: PaymentSnapshot) => store.observe([{ tenantId, payment: p }]).then(([o]) => o!);

  it('returns the state before each payment, and the same snapshot again on redelivery until the flags are recorded', async () => {
    const store = createPayerStateStore(redis, config);
    const payerId = `u_${randomBytes(4).toString('hex')}`;
    const first = payment(0, { payerId, recipientAccount: '8000000001' });
    const second = payment(10, { payerId, orderId: first.orderId, recipientAccount: '8000000002', category: 'skin' });

    const fresh = await observe(store, first);
    expect(fresh).toMatchObject({ kind: 'fresh', snapshot: { newestMs: 0, payments: [], order: [] } });

    const next = await observe(store, second);
    if (next.kind !== 'fresh') throw new Error(`expected fresh, got ${next.kind}`);
    expect(next.snapshot.payments).toEqual([first]);
    expect(next.snapshot.order).toEqual([first]);
    expect(next.snapshot.firstInCategory).toEqual(new Set([first.paymentId]));
    expect([...next.snapshot.recipients.keys()]).toEqual(['8000000001']);
    expect([...next.snapshot.categories.keys()]).toEqual(['game-card']);
    expect(next.snapshot.newestMs).toBe(Date.parse(first.occurredAt));

    const again = await observe(store, second);
    expect(again).toEqual({ kind: 'redelivered-before-flags', snapshot: next.snapshot });
    await store.record([{ tenantId, payment: second, stored: '[]' }]);
    expect(await observe(store, second)).toEqual({ kind: 'redelivered', stored: [] });
  });

  it("carries a platform's own Unicode text through the script unchanged, braces in a payer id included", async () => {
    const store = createPayerStateStore(redis, config);
    const payerId = `王小明{vip}%7B${randomBytes(3).toString('hex')}`;
    const chinese = { payerId, orderId: '订单-0001', merchantId: '卡密商城', sku: '腾讯Q币-100', category: '游戏点卡', recipientAccount: 'QQ号 12345', channel: '微信支付' };
    const first = payment(0, chinese);
    const second = payment(10, { ...chinese, orderId: first.orderId });
    await observe(store, first);
    const next = await observe(store, second);
    if (next.kind !== 'fresh') throw new Error(`expected fresh, got ${next.kind}`);
    expect(next.snapshot.payments).toEqual([first]);
    expect(next.snapshot.order).toEqual([first]);
    expect([...next.snapshot.recipients.keys()]).toEqual(['QQ号 12345']);
    expect([...next.snapshot.categories.keys()]).toEqual(['游戏点卡']);
    // Every key of the payer sits in one slot: the escaped id leaves the tag whole.
    const keys = await redis.keys(`${prefix}:det:{${tenantId}:王小明%7Bvip%7D%257B*`);
    expect(keys.length).toBeGreaterThanOrEqual(5);
  });

  it('records the earliest delivery of each order once, bounded like the orders, and shows it to later payments', async () => {
    const store = createPayerStateStore(redis, config);
    const payerId = `u_${randomBytes(4).toString('hex')}`;
    const bought = payment(0, { payerId });
    await observe(store, bought);
    const deliveredMs = Date.parse(bought.occurredAt) + 30_000;
    const delivery = { tenantId, payerId, orderId: bought.orderId, deliveredMs };
    // Twice as a redelivery, then a later report of the same order: the earliest stands.
    await store.observe([], [delivery, delivery, { ...delivery, deliveredMs: deliveredMs + 60_000 }]);
    const keys = payerKeys(prefix, tenantId, payerId);
    expect(await redis.zrange(keys.deliveries, 0, -1, 'WITHSCORES')).toEqual([bought.orderId, String(deliveredMs)]);

    const next = await observe(store, payment(120, { payerId }));
    if (next.kind !== 'fresh') throw new Error(`expected fresh, got ${next.kind}`);
    expect(next.snapshot.deliveries).toEqual(new Map([[bought.orderId, deliveredMs]]));

    // Beyond the order cap (3), the oldest deliveries go first.
    const later = [1, 2, 3].map((i) => ({ ...delivery, orderId: `ord_later_${i}`, deliveredMs: deliveredMs + i * 1000 }));
    await store.observe([], later);
    expect(await redis.zrange(keys.deliveries, 0, -1)).toEqual(later.map((d) => d.orderId));
    expect(await redis.ttl(keys.deliveries)).toBeGreaterThan(0);
  });

  it('keeps every collection within its cap', async () => {
    const store = createPayerStateStore(redis, config);
    const payerId = `u_${randomBytes(4).toString('hex')}`;
    for (let i = 0; i < 12; i += 1) await observe(store, payment(i * 60, { payerId, recipientAccount: `80000000${10 + i}` }));
    const keys = payerKeys(prefix, tenantId, payerId);
    expect(await redis.zcard(keys.payments('CNY'))).toBe(5);
    expect(await redis.hlen(keys.orders)).toBe(3);
    expect(await redis.zcard(keys.recipients)).toBe(2);
    expect(await redis.zcard(keys.seenAt)).toBe(4);
    expect(await redis.hlen(keys.seen)).toBe(4 + 3); // and the payer's newest event time, its state's version, and when its expiries were renewed
    expect(await redis.ttl(keys.payments('CNY'))).toBeGreaterThan(0);
  });

  it('hands each payment of a batch wider than the pipelines in flight its own state, in request order', async () => {
    const store = createPayerStateStore(redis, config);
    // 40 payers paying 50 times each, interleaved: 2,000 payments, eight pipelines of 256.
    const payers = Array.from({ length: 40 }, () => `u_${randomBytes(4).toString('hex')}`);
    const requests = Array.from({ length: 2_000 }, (_, i) => ({ tenantId, payment: payment(i, { payerId: payers[i % payers.length]!, recipientAccount: `8${String(i).padStart(9, '0')}` }) }));
    const kept = await store.observe(requests, [], (observation, index) => ({ index, kind: observation.kind, seen: 'snapshot' in observation ? observation.snapshot.payments.length : -1 }));
    // Each payer's n-th payment finds its n earlier ones (up to the history cap of 5).
    expect(kept).toEqual(requests.map((_, index) => ({ index, kind: 'fresh', seen: Math.min(5, Math.floor(index / payers.length)) })));
  });

  it.skipIf(!redisServerInstalled)('keeps working after Redis restarts and forgets the script', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const start = () => spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    let server: ChildProcess = start();
    const own = createRedis(`redis://127.0.0.1:${port}`, 'backstop-test-restart');
    // Refused connections while the server is down are expected; the client retries.
    own.on('error', () => undefined);
    try {
      const store = createPayerStateStore(own, config);
      const payerId = `u_${randomBytes(4).toString('hex')}`;
      expect((await observe(store, payment(0, { payerId }))).kind).toBe('fresh');
      server.kill('SIGKILL');
      await new Promise((resolve) => server.once('exit', resolve));
      server = start();
      // The restarted server has neither the data nor the script; the command still works.
      expect((await observe(store, payment(10, { payerId }))).kind).toBe('fresh');
      expect(await own.hlen(payerKeys(prefix, tenantId, payerId).seen)).toBe(4);
    } finally {
      own.disconnect();
      server.kill('SIGKILL');
    }
  });
});
