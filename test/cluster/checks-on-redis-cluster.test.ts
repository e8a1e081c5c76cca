import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckIntent, PaymentSnapshot } from '@backstop/contracts';
import { createPayerStateStore, createPaymentCheck, fixedRulesConfig, PayerStateSettings, WarningLog } from '@backstop/detection';
import { createRedis, type Redis } from '@backstop/redis';
import { RedisCluster } from '../../infra/cluster/redis-cluster';

/**
 * Pre-payment checks on a real Redis Cluster (3 masters, private to this file): the read-only
 * script touches one slot per payer, so checks answer there exactly what they answer on one
 * Redis holding the same state, and the warnings of many payers (many slots) are found in
 * one call.
 */
describe('pre-payment checks on Redis Cluster', () => {
  let nodes: RedisCluster;
  let cluster: Redis;
  let single: Redis;
  const tenantId = 'clustershop';
  const prefix = `checks-${randomBytes(3).toString('hex')}`;
  const payers = Array.from({ length: 40 }, (_, i) => `u_${i}_${randomBytes(2).toString('hex')}`);
  const now = Date.now();

  beforeAll(async () => {
    nodes = await RedisCluster.start({ masters: 3, replicas: 0 });
    cluster = createRedis(nodes.url, 'checks-cluster-test');
    single = createRedis(inject('redisUrl'), 'checks-cluster-test-single');
  }, 120_000);

  afterAll(async () => {
    const keys = await single.keys(`${prefix}:*`);
    if (keys.length > 0) await single.del(...keys);
    cluster?.disconnect();
    single?.disconnect();
    await nodes?.stop();
  });

  const paid = (payerId: string, n: number, ageMs: number): PaymentSnapshot => ({
    eventId: `evt_${payerId}_${n}`, paymentId: `pay_${payerId}_${n}`, orderId: `ord_${payerId}_${n}`, payerId, merchantId: 'm_cardshop', kind: 'topup',
    sku: 'wallet-topup', category: 'wallet', quantity: 1, unitPrice: 10000, amount: 10000, currency: 'CNY', recipientAccount: '6217001234', recipientVerified: true,
    occurredAt: new Date(now - ageMs).toISOString(),
  });
  const intents = (): CheckIntent[] => payers.flatMap((payerId, i) => [
    { intentId: `int_again_${i}`, orderId: `ord_${payerId}_1`, payerId, merchantId: 'm_cardshop', kind: 'topup', sku: 'wallet-topup', category: 'wallet', quantity: 1, unitPrice: 10000, amount: 10000, currency: 'CNY', recipientAccount: '6217001234', recipientVerified: true },
    { intentId: `int_slip_${i}`, orderId: `ord_new_${i}`, payerId, merchantId: 'm_cardshop', kind: 'topup', sku: 'wallet-topup', category: 'wallet', quantity: 1, unitPrice: 100000, amount: 100000, currency: 'CNY', recipientAccount: '6217001234', recipientVerified: true },
    { intentId: `int_near_${i}`, orderId: `ord_near_${i}`, payerId, merchantId: 'm_cardshop', kind: 'transfer', quantity: 1, amount: 10000, currency: 'CNY', recipientAccount: '6217001235', recipientVerified: false },
  ]);

  it('answers on a cluster what it answers on one Redis with the same state', async () => {
    const answers: Record<string, string[][]> = {};
    for (const [name, redis] of [['cluster', cluster], ['single', single]] as const) {
      const settings = PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix, DETECTOR_SKU_CACHE_MS: '0' });
      await createPayerStateStore(redis, settings).observe(payers.flatMap((payerId) => [paid(payerId, 0, 4 * 3_600_000), paid(payerId, 1, 3_600_000)]).map((payment) => ({ tenantId, payment })));
      const check = createPaymentCheck(redis, settings, fixedRulesConfig());
      answers[name] = await Promise.all(intents().map(async (intent) => (await check.check(tenantId, intent, now)).reasons.map((reason) => reason.code)));
    }
    expect(answers.cluster).toEqual(answers.single);
    expect(new Set(answers.cluster!.map((codes) => codes.join(',')))).toEqual(new Set(['duplicate.recent_same_order', 'amount.digit_slip', 'recipient.near_known']));
  });

  it("finds the warnings of payers in every slot in one call", async () => {
    const log = new WarningLog(cluster, prefix);
    const at = new Date(now);
    await Promise.all(payers.map((payerId, i) => log.record(tenantId, payerId, `int_${i}`, ['amount.digit_slip'], at, 600)));
    const found = await log.find(payers.map((payerId, i) => ({ tenantId, payerId, intentId: `int_${i}` })));
    expect(found).toEqual(payers.map(() => ({ at: at.toISOString(), reasons: ['amount.digit_slip'] })));
  });
});
