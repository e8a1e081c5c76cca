import { describe, expect, it } from 'vitest';
import type { CheckAnswer, PaymentData, WebhookEvent } from '@backstop/contracts';
import { payerKeys, skuPricesKey } from '@backstop/detection';
import { postCheck, postEvent } from '../ingest/harness';
import { eventually } from '../support/wait';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { exampleAnswer, exampleIntent, examplePaidPaymentId } from '../../services/ingest/src/check/examples';
import { checkingStack } from './checking-stack';
import { intentFor, topup, transfer } from './intents';

/**
 * Pre-payment checks against state built by real events: posted to ingest, through Kafka to
 * the real detector process, into Redis. Each reason from its own payer's history; each hard
 * case the detector leaves alone answered `allow`; another tenant's state never counts.
 */
const tenantId = 'cardshop';
const otherTenantId = 'othershop';
const second = 1000;
const hour = 3_600_000;
const day = 24 * hour;
const ago = (ms: number) => new Date(Date.now() - ms);

describe('pre-payment checks on state the real detector built', () => {
  const checking = checkingStack({
    tenants: { [tenantId]: 'Card shop', [otherTenantId]: 'Other shop' },
    services: ['detector'],
    env: { DETECTOR_SKU_CACHE_MS: '0' },
  });

  /** Posts a payer's payments in order through ingest and waits until the detector holds the last of them. */
  async function history(payerId: string, payments: { at: Date; data?: Partial<PaymentData> }[], tenant = tenantId): Promise<WebhookEvent[]> {
    const events = payments.map(({ at, data }) => paymentEvent({ payerId, ...data }, at));
    for (const event of events) expect((await postEvent(checking.ingest.app, tenant, checking.secrets[tenant]!, event)).statusCode).toBe(202);
    const seen = payerKeys(checking.stack.redisPrefix, tenant, payerId).seen;
    await eventually(async () => ((await checking.stack.redis.hexists(seen, events.at(-1)!.id)) ? true : undefined), { timeoutMs: 60_000, what: `the detector to hold ${payerId}'s payments` });
    return events;
  }

  async function check(data: Partial<PaymentData>, tenant = tenantId): Promise<CheckAnswer> {
    const response = await postCheck(checking.ingest.app, tenant, checking.secrets[tenant]!, intentFor(data));
    expect(response.statusCode, response.body).toBe(200);
    const answer = response.json() as CheckAnswer;
    expect(answer.degraded).toBe(false);
    return answer;
  }
  const codes = (answer: CheckAnswer) => answer.reasons.map((reason) => reason.code);
  const dataOf = (event: WebhookEvent) => (event as Extract<WebhookEvent, { type: 'payment.succeeded' }>).data;

  it('asks again for an order paid seconds ago, in both languages, naming the earlier payment', async () => {
    const payerId = uniqueId('u');
    const orderId = uniqueId('ord');
    const [paid] = await history(payerId, [{ at: ago(8 * second), data: { orderId } }]);
    const answer = await check({ payerId, orderId });
    expect(answer.verdict).toBe('confirm');
    expect(codes(answer)).toEqual(['duplicate.recent_same_order']);
    const [reason] = answer.reasons;
    expect(reason!.evidence).toMatchObject({ orderId, paidSoFar: 3000, earlierPayments: [{ paymentId: dataOf(paid!).paymentId, amount: 3000 }] });
    expect(reason!.message.en).toMatch(/^You paid CN¥30\.00 for this order \d+ seconds ago\. Pay again\?$/);
    expect(reason!.message.zh).toMatch(/^你 \d+ 秒前已为该订单支付 ¥30\.00，确定再次支付？$/);
  });

  it('asks again for the same card bought under another order seconds ago', async () => {
    const payerId = uniqueId('u');
    const [earlier] = await history(payerId, [{ at: ago(5 * second) }]);
    const answer = await check({ payerId });
    expect(codes(answer)).toEqual(['duplicate.recent_same_purchase']);
    expect(answer.reasons[0]!.evidence).toMatchObject({ earlierPayment: { paymentId: dataOf(earlier!).paymentId } });
  });

  it('asks about ten times the usual top-up, naming the usual amount', async () => {
    const payerId = uniqueId('u');
    await history(payerId, [{ at: ago(4 * hour), data: topup(10000) }, { at: ago(2 * hour), data: topup(10000) }]);
    const answer = await check({ payerId, ...topup(100000) });
    expect(codes(answer)).toEqual(['amount.digit_slip']);
    expect(answer.reasons[0]!.evidence).toMatchObject({ usual: { amount: 10000, currency: 'CNY' }, factor: 10 });
    expect(answer.reasons[0]!.message.en).toBe('CN¥1,000.00 is 10 times the CN¥100.00 you usually pay for this. Is the amount right?');
  });

  it("asks about a transfer far above the payer's own", async () => {
    const payerId = uniqueId('u');
    await history(payerId, Array.from({ length: 8 }, (_, i) => ({ at: ago((9 - i) * hour), data: transfer('6217001234', 5000 + 300 * (i % 3)) })));
    const answer = await check({ payerId, ...transfer('6217001234', 70000) });
    expect(codes(answer)).toEqual(['amount.unusual']);
  });

  it('names the known account one character away from the one typed', async () => {
    const payerId = uniqueId('u');
    await history(payerId, [{ at: ago(2 * hour), data: transfer('6217001234', 20000) }, { at: ago(hour), data: transfer('6217001234', 20000) }]);
    const answer = await check({ payerId, ...transfer('6217001235', 20000, false) });
    expect(codes(answer)).toEqual(['recipient.near_known']);
    expect(answer.reasons[0]!.evidence).toMatchObject({ knownAccount: '6217001234', edit: 'substituted' });
    expect(answer.reasons[0]!.message.zh).toContain('6217001234');
  });

  it('asks about a new account nobody verified', async () => {
    const payerId = uniqueId('u');
    await history(payerId, [{ at: ago(hour), data: transfer('6217001234', 20000) }]);
    expect(codes(await check({ payerId, ...transfer('6230559871', 20000, false) }))).toEqual(['recipient.unverified_new']);
  });

  it('asks about a category never bought, at about the price of the usual card', async () => {
    const payerId = uniqueId('u');
    await history(payerId, [{ at: ago(3 * day) }, { at: ago(2 * day) }, { at: ago(day) }]);
    const answer = await check({ payerId, sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    expect(codes(answer)).toEqual(['product.unusual_category']);
    expect(answer.reasons[0]!.evidence).toMatchObject({ category: 'skin', usualCategory: 'game-card', usualPurchases: 3 });
  });

  it('allows a retried payment webhook and a retried check, and a check changes no window', async () => {
    const payerId = uniqueId('u');
    const [paid] = await history(payerId, [{ at: ago(10 * 60 * second) }]);
    expect((await postEvent(checking.ingest.app, tenantId, checking.secrets[tenantId]!, paid!)).statusCode).toBe(200);
    const keys = payerKeys(checking.stack.redisPrefix, tenantId, payerId);
    const state = async () => Promise.all([checking.stack.redis.hgetall(keys.seen), checking.stack.redis.zrange(keys.payments('CNY'), 0, -1, 'WITHSCORES'), checking.stack.redis.hgetall(keys.orders)]);
    const before = await state();

    const intent = intentFor({ payerId, sku: 'steam-wallet-100', unitPrice: 10000, amount: 10000 });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const response = await postCheck(checking.ingest.app, tenantId, checking.secrets[tenantId]!, intent);
      expect(response.json()).toEqual({ intentId: intent.intentId, verdict: 'allow', reasons: [], degraded: false });
    }
    expect(await state()).toEqual(before);
  });

  it('allows the same card bought for a second account: a gift, not a duplicate', async () => {
    const payerId = uniqueId('u');
    await history(payerId, [{ at: ago(3 * second), data: { recipientAccount: '8000123456' } }]);
    expect((await check({ payerId, recipientAccount: '8000765432' })).verdict).toBe('allow');
  });

  it("allows a new payer's first big purchase at the pack's list price", async () => {
    const sku = uniqueId('pack-648');
    const buyers = Array.from({ length: 60 }, () => uniqueId('u'));
    for (const payerId of buyers) {
      expect((await postEvent(checking.ingest.app, tenantId, checking.secrets[tenantId]!, paymentEvent({ payerId, sku, unitPrice: 64800, amount: 64800 }, ago(hour)))).statusCode).toBe(202);
    }
    const prices = skuPricesKey(checking.stack.redisPrefix, tenantId, sku, 'CNY');
    await eventually(async () => ((await checking.stack.redis.zcard(prices)) >= buyers.length ? true : undefined), { timeoutMs: 60_000, what: "the pack's prices in the detector's state" });

    expect((await check({ payerId: uniqueId('u'), sku, unitPrice: 64800, amount: 64800 })).verdict).toBe('allow');
    const smallPacks = uniqueId('u');
    await history(smallPacks, [{ at: ago(2 * day), data: { sku: 'pack-68', unitPrice: 6800, amount: 6800 } }, { at: ago(day), data: { sku: 'pack-68', unitPrice: 6800, amount: 6800 } }]);
    expect((await check({ payerId: smallPacks, sku, unitPrice: 64800, amount: 64800 })).verdict).toBe('allow');
    expect(await checking.stack.redis.zcard(prices)).toBe(buyers.length);
  });

  it('answers the documented example as documented', async () => {
    const { intentId: _intentId, ...data } = exampleIntent;
    const [paid] = await history(exampleIntent.payerId, [{ at: ago(8 * second), data: { ...data, paymentId: examplePaidPaymentId } }]);
    const response = await postCheck(checking.ingest.app, tenantId, checking.secrets[tenantId]!, exampleIntent);
    // Only the time of the earlier payment and how long ago it was differ from run to run.
    const normalised = JSON.parse(response.body.replaceAll(paid!.occurredAt, 'AT').replace(/"secondsAgo":[\d.]+/, '"secondsAgo":8').replace(/ \d+ seconds ago/, ' 8 seconds ago').replace(/你 \d+ 秒前/, '你 8 秒前'));
    const documented = JSON.parse(JSON.stringify(exampleAnswer).replaceAll('2026-11-30T08:00:00.000Z', 'AT'));
    expect(normalised).toEqual(documented);
  });

  it("never lets another tenant's state inform a check", async () => {
    const payerId = uniqueId('u');
    const orderId = uniqueId('ord');
    await history(payerId, [{ at: ago(5 * second), data: { orderId } }], otherTenantId);
    expect(codes(await check({ payerId, orderId }, otherTenantId))).toEqual(['duplicate.recent_same_order']);
    expect(await check({ payerId, orderId }, tenantId)).toMatchObject({ verdict: 'allow', reasons: [] });
  });
});
