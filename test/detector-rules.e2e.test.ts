import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentData, WebhookEvent } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { detectorHarness, newPayer, verdicts, type DetectorHarness } from './support/detector';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { paymentEvent, uniqueId } from './support/webhooks';

/**
 * Every rule on the real detector process, Kafka and Redis: each case is one payer's events,
 * what the rule must flag (or nothing), and a marker that proves the payer's events were all
 * processed before the verdict is read.
 */
const tenantId = 'cardshop';
const quietTenantId = 'quietshop';
const allowlistedPayer = newPayer();
const hour = 3_600_000;
const base = Date.now() - 30 * 24 * hour;
const at = (offsetMs: number) => new Date(base + offsetMs);
const paymentIdOf = (event: WebhookEvent) => (event.type === 'payment.succeeded' ? event.data.paymentId : '');

interface Case {
  name: string;
  payerId: string;
  events: WebhookEvent[];
  /** [rule, index of the flagged event] */
  expected: [string, number][];
}

function pay(payerId: string, offsetMs: number, data: Partial<PaymentData> = {}): WebhookEvent {
  return paymentEvent({ payerId, ...data }, at(offsetMs));
}
const topup = (amount: number): Partial<PaymentData> => ({ kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount });
const transfer = (account: string, amount: number, verified = true): Partial<PaymentData> => ({
  kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount, recipientAccount: account, recipientVerified: verified,
});

function cases(): Case[] {
  const list: Case[] = [];
  const add = (name: string, build: (payerId: string) => { events: WebhookEvent[]; expected: [string, number][] }) => {
    const payerId = newPayer();
    list.push({ name, payerId, ...build(payerId) });
  };

  add('duplicate.exact: one order paid twice', (u) => {
    const orderId = uniqueId('ord');
    return { events: [pay(u, 0, { orderId }), pay(u, 2000, { orderId })], expected: [['duplicate.exact', 1]] };
  });
  add('duplicate.exact silent: split payments adding up to the order', (u) => {
    const orderId = uniqueId('ord');
    return { events: [pay(u, 0, { orderId, amount: 1000, unitPrice: undefined, orderAmount: 3000 }), pay(u, 5000, { orderId, amount: 2000, unitPrice: undefined, orderAmount: 3000 })], expected: [] };
  });
  add('duplicate.suspected: the same card bought again 3 s later', (u) => ({ events: [pay(u, 0), pay(u, 3000)], expected: [['duplicate.suspected', 1]] }));
  add('duplicate.suspected silent: a deliberate repeat minutes apart, and a card for another account', (u) => ({
    events: [pay(u, 0), pay(u, 5 * 60_000), pay(u, 5 * 60_000 + 2000, { recipientAccount: '8000765432' })],
    expected: [],
  }));
  add('duplicate.suspected silent: a webhook retry of the same event', (u) => {
    const event = pay(u, 0);
    return { events: [event, event], expected: [] };
  });
  add('amount.digit_slip: meant to top up 100, paid 1000', (u) => ({
    events: [pay(u, 0, topup(10000)), pay(u, 2 * hour, topup(10000)), pay(u, 4 * hour, topup(100000))],
    expected: [['amount.digit_slip', 2]],
  }));
  add('amount.digit_slip silent: ten cards at once at the usual unit price', (u) => ({
    events: [pay(u, 0), pay(u, 2 * hour), pay(u, 4 * hour, { quantity: 10, amount: 30000 })],
    expected: [],
  }));
  add("amount.outlier: a transfer far above the payer's own", (u) => ({
    events: [...Array.from({ length: 8 }, (_, i) => pay(u, i * hour, transfer('6217001234', 5000 + 300 * (i % 3)))), pay(u, 9 * hour, transfer('6217001234', 70000))],
    expected: [['amount.outlier', 8]],
  }));
  add('recipient.near_miss: a transfer one digit off a used account, unverified', (u) => ({
    events: [pay(u, 0, transfer('6217001234', 20000)), pay(u, hour, transfer('6217001234', 20000)), pay(u, 2 * hour, transfer('6217001235', 20000, false))],
    expected: [['recipient.near_miss', 2]],
  }));
  add('recipient.near_miss: the payment to the account meant arrives after the slip', (u) => ({
    events: [pay(u, 2 * hour, transfer('6217001235', 20000, false)), pay(u, 0, transfer('6217001234', 20000)), pay(u, 3 * hour, transfer('6217001234', 20000))],
    expected: [['recipient.near_miss', 0]],
  }));
  add('recipient.near_miss silent: a transfer to a genuinely new account', (u) => ({
    events: [pay(u, 0, transfer('6217001234', 20000)), pay(u, hour, transfer('6230559871', 20000, false))],
    expected: [],
  }));
  add('product.misselected: a skin never bought, then the usual card for about the same', (u) => ({
    events: [
      pay(u, 0), pay(u, 24 * hour), pay(u, 48 * hour),
      pay(u, 72 * hour, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 }),
      pay(u, 72 * hour + 120_000),
    ],
    expected: [['product.misselected', 3]],
  }));
  add('product.misselected silent: a new category kept', (u) => ({
    events: [pay(u, 0), pay(u, 24 * hour), pay(u, 48 * hour), pay(u, 72 * hour, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 })],
    expected: [],
  }));
  add('product.misselected: a newcomer with one usual card picks a skin 1.4× its price, then the card', (u) => ({
    events: [pay(u, 0), pay(u, 24 * hour, { sku: 'skin-aurora', category: 'skin', unitPrice: 4200, amount: 4200 }), pay(u, 24 * hour + 120_000)],
    expected: [['product.misselected', 1]],
  }));
  add('product.misselected silent: something new for another account, then the usual card', (u) => ({
    events: [
      pay(u, 0), pay(u, 24 * hour), pay(u, 48 * hour),
      pay(u, 72 * hour, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200, recipientAccount: '8000765432' }),
      pay(u, 72 * hour + 120_000),
    ],
    expected: [],
  }));
  add('amount.digit_slip: a slipped top-up that arrives before the history showing it is one', (u) => ({
    events: [pay(u, 72 * hour, topup(100000)), pay(u, 0, topup(10000)), pay(u, 24 * hour, topup(10000))],
    expected: [['amount.digit_slip', 0]],
  }));
  add('velocity.burst: six payments in half a minute', (u) => ({
    events: Array.from({ length: 6 }, (_, i) => pay(u, i * 5000, { sku: `gift-${i}`, unitPrice: 1000 + i, amount: 1000 + i })),
    expected: [['velocity.burst', 5]],
  }));
  return list;
}

describe('the detector rules on real Kafka and Redis', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let detector: DetectorHarness;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId, name: 'Card shop' });
    await createTenant(stack.pool, { tenantId: quietTenantId, name: 'Quiet shop' });
    await stack.pool.query('INSERT INTO detector_rules (tenant_id, config) VALUES ($1, $2)', [
      quietTenantId,
      { 'duplicate.suspected': { enabled: false }, 'duplicate.exact': { allowlist: { payers: [allowlistedPayer] } } },
    ]);
    services = await startServices(stack, ['detector'], { DETECTOR_SKU_CACHE_MS: '0' });
    detector = await detectorHarness(stack, tenantId);
  }, 120_000);

  afterAll(async () => {
    await detector?.close();
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('fires each rule on its case and stays silent on its hard negatives', async () => {
    const all = cases();
    await Promise.all(all.map((c) => detector.publish(c.events)));
    const markers = await Promise.all(all.map((c) => detector.marker(c.payerId, at(40 * 24 * hour))));

    for (const [index, c] of all.entries()) {
      const expected = c.expected.map(([type, at]): [string, string] => [type, paymentIdOf(c.events[at]!)]).sort((a, b) => a.join().localeCompare(b.join()));
      expect(verdicts(detector.flagsOfPayer(c.payerId), [markers[index]!]), c.name).toEqual(expected);
    }
  }, 120_000);

  it("follows a tenant's stored settings: a rule switched off, a payer allowlisted", async () => {
    const quiet = await detectorHarness(stack, quietTenantId);
    try {
      const doubleClicker = newPayer();
      const orderId = uniqueId('ord');
      await quiet.publish([pay(doubleClicker, 0), pay(doubleClicker, 3000), pay(allowlistedPayer, 0, { orderId }), pay(allowlistedPayer, 2000, { orderId })]);
      const marker = await quiet.marker(doubleClicker, at(40 * 24 * hour));
      expect(verdicts(quiet.flagsOfPayer(doubleClicker), [marker])).toEqual([]);
      // A duplicate marker would be allowlisted too, so the allowlisted payer's marker is a
      // rule that still applies to them: a burst.
      const burst = Array.from({ length: 6 }, (_, i) => pay(allowlistedPayer, hour + i * 1000, { sku: `gift-${i}`, unitPrice: 500 + i, amount: 500 + i }));
      await quiet.publish(burst);
      await eventually(async () => (quiet.flagsOfPayer(allowlistedPayer).some((f) => f.type === 'velocity.burst') ? true : undefined), { what: 'the burst flag' });
      expect(verdicts(quiet.flagsOfPayer(allowlistedPayer))).toEqual([['velocity.burst', paymentIdOf(burst[5]!)]]);
    } finally {
      await quiet.close();
    }
  }, 90_000);

  it('grades a wrong-shelf purchase whose goods were delivered before the correction lower, and says so', async () => {
    const u = newPayer();
    const mistake = pay(u, 72 * hour, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    if (mistake.type !== 'payment.succeeded') throw new Error('a payment');
    const delivered: WebhookEvent = {
      id: uniqueId('evt_delivered'), type: 'order.delivered', occurredAt: at(72 * hour + 30_000).toISOString(),
      data: { orderId: mistake.data.orderId, payerId: u, paymentId: mistake.data.paymentId },
    };
    await detector.publish([pay(u, 0), pay(u, 24 * hour), pay(u, 48 * hour), mistake, delivered, pay(u, 72 * hour + 120_000)]);
    await detector.marker(u, at(40 * 24 * hour));
    const flag = detector.flagsOfPayer(u).find((f) => f.type === 'product.misselected');
    expect(flag?.payment.paymentId).toBe(mistake.data.paymentId);
    expect(flag!.severity).toBe('medium');
    expect(flag!.evidence.informationFlow.observed).toMatchObject({ usualCategoryPurchases: 3, recipient: 'usual-account', mistakeDeliveredBeforeCorrection: true, mistakeDeliveredAt: delivered.occurredAt });
  }, 90_000);

  it('explains every flag: fund flow, order flow, information flow and the times to measure latency', async () => {
    const u = newPayer();
    const first = pay(u, 0);
    const second = pay(u, 4000);
    await detector.publish([first, second]);
    const flag = await (async () => {
      await detector.marker(u, at(40 * 24 * hour));
      return detector.flagsOfPayer(u).find((f) => f.type === 'duplicate.suspected');
    })();
    expect(flag).toBeDefined();
    expect(flag!.evidence.fundFlow.map((p) => p.paymentId)).toEqual([paymentIdOf(first), paymentIdOf(second)]);
    expect(flag!.evidence.fundFlow[1]).toMatchObject({ amount: 3000, currency: 'CNY', channel: 'alipay', occurredAt: second.occurredAt });
    expect(flag!.evidence.orderFlow[1]).toMatchObject({ sku: 'genshin-welkin-30d', quantity: 1, recipientAccount: '8000123456' });
    expect(flag!.evidence.informationFlow).toMatchObject({ rule: 'duplicate.suspected', thresholds: { windowSeconds: 120 }, observed: { gapSeconds: 4 } });
    expect(flag!.severity).toBe('high');
    expect(Date.parse(flag!.flaggedAt)).toBeGreaterThanOrEqual(Date.parse(flag!.receivedAt));
    // v2: the summary travels as a message to render in any language; the English sentence
    // beside it reads money by the currency's minor units and never quotes an account whole.
    expect(flag!.v).toBe(2);
    expect(flag!.evidence.informationFlow.message).toEqual({
      key: 'duplicate.suspected',
      params: { item: 'genshin-welkin-30d', amount: { amount: 3000, currency: 'CNY' }, recipientAccount: '8000123456', gapSeconds: 4 },
    });
    expect(flag!.evidence.informationFlow.summary).toBe('The same purchase (genshin-welkin-30d, CN¥30.00 for 80******56) was paid under two orders 4 s apart.');
  }, 90_000);
});
