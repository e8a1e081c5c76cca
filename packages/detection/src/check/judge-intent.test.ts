import { describe, expect, it } from 'vitest';
import { defaultRulesConfig, RulesConfig, type CheckIntent, type PaymentSnapshot } from '@backstop/contracts';
import { contextFor, payment, skuSummary } from '../rules/rule-fixtures';
import { candidatePayment } from './candidate';
import { judgeIntent } from './judge-intent';

/** The payment about to be made, `atSeconds` after the fixtures' epoch, as a check builds it. */
function intent(atSeconds: number, overrides: Partial<PaymentSnapshot> = {}): PaymentSnapshot {
  const { paymentId: _id, eventId: _event, occurredAt, ...data } = payment(atSeconds, overrides);
  return candidatePayment({ ...data, intentId: `int_${atSeconds}` } as CheckIntent, Date.parse(occurredAt));
}
const judge = (current: PaymentSnapshot, history: PaymentSnapshot[], config = defaultRulesConfig, sku?: ReturnType<typeof skuSummary>) =>
  judgeIntent(contextFor(current, history, sku), config);
const codes = (outcome: ReturnType<typeof judgeIntent>) => outcome.reasons.map((reason) => reason.code);

const topup = (amount: number): Partial<PaymentSnapshot> => ({ kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount });
const transfer = (account: string, amount: number, verified = true): Partial<PaymentSnapshot> => ({
  kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount, recipientAccount: account, recipientVerified: verified,
});

describe('judgeIntent: what the detector would say before the charge', () => {
  it('asks again for an order already paid, saying how much and how long ago', () => {
    const paid = payment(0, { orderId: 'ord_x', amount: 3000 });
    const outcome = judge(intent(8, { orderId: 'ord_x', amount: 3000 }), [paid]);
    expect(outcome.verdict).toBe('confirm');
    expect(outcome.reasons).toHaveLength(1);
    expect(outcome.reasons[0]).toMatchObject({
      code: 'duplicate.recent_same_order',
      evidence: { orderId: 'ord_x', paidSoFar: 3000, secondsAgo: 8, earlierPayments: [{ paymentId: paid.paymentId }] },
      message: { key: 'check.duplicate.recent_same_order', params: { paid: { amount: 3000, currency: 'CNY' }, secondsAgo: 8 } },
    });
  });

  it('allows the rest of a split order, as the detector does', () => {
    const first = payment(0, { orderId: 'ord_s', amount: 1000, unitPrice: undefined, orderAmount: 3000 });
    expect(judge(intent(5, { orderId: 'ord_s', amount: 2000, unitPrice: undefined, orderAmount: 3000 }), [first]).verdict).toBe('allow');
  });

  it('asks again for the same purchase under another order within the window, not for a gift to another account', () => {
    const card = payment(0);
    expect(codes(judge(intent(3), [card]))).toEqual(['duplicate.recent_same_purchase']);
    expect(judge(intent(3, { recipientAccount: '8000765432' }), [card]).verdict).toBe('allow');
    expect(judge(intent(5 * 60), [card]).verdict).toBe('allow');
  });

  it('asks about ten times the usual top-up, and names the usual amount', () => {
    const history = [payment(0, topup(10000)), payment(7200, topup(10000))];
    const outcome = judge(intent(14400, topup(100000)), history);
    expect(codes(outcome)).toEqual(['amount.digit_slip']);
    expect(outcome.reasons[0]!.message).toEqual({ key: 'check.amount.digit_slip', params: { amount: { amount: 100000, currency: 'CNY' }, usual: { amount: 10000, currency: 'CNY' }, factor: 10 } });
  });

  it('asks about a transfer far above the payer\'s own', () => {
    const history = Array.from({ length: 8 }, (_, i) => payment(i * 3600, transfer('6217001234', 5000 + 300 * (i % 3))));
    expect(codes(judge(intent(9 * 3600, transfer('6217001234', 70000)), history))).toEqual(['amount.unusual']);
  });

  it('names the known account one character off, and says nothing more of it being new', () => {
    const history = [payment(0, transfer('6217001234', 20000)), payment(3600, transfer('6217001234', 20000))];
    const outcome = judge(intent(7200, transfer('6217001235', 20000, false)), history);
    expect(codes(outcome)).toEqual(['recipient.near_known']);
    expect(outcome.reasons[0]!.evidence).toMatchObject({ knownAccount: '6217001234', edit: 'substituted' });
  });

  it('asks about a new, unverified account, but not a new verified one nor when the rule is off', () => {
    const history = [payment(0, transfer('6217001234', 20000))];
    expect(codes(judge(intent(3600, transfer('6230559871', 20000, false)), history))).toEqual(['recipient.unverified_new']);
    expect(judge(intent(3600, transfer('6230559871', 20000, true)), history).verdict).toBe('allow');
    const off = RulesConfig.parse({ 'recipient.near_miss': { enabled: false } });
    expect(judge(intent(3600, transfer('6230559871', 20000, false)), history, off).verdict).toBe('allow');
  });

  it('asks about a new category at about the price of a habit, never a new payer', () => {
    const cards = [payment(0), payment(86400), payment(2 * 86400)];
    const skin = { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 };
    const outcome = judge(intent(3 * 86400, skin), cards);
    expect(codes(outcome)).toEqual(['product.unusual_category']);
    expect(outcome.reasons[0]!.evidence).toMatchObject({ category: 'skin', usualCategory: 'game-card', usualPurchases: 3 });
    expect(judge(intent(3 * 86400, skin), []).verdict).toBe('allow');
    expect(judge(intent(3 * 86400, { ...skin, unitPrice: 30000, amount: 30000 }), cards).verdict).toBe('allow');
  });

  it("allows a new payer's first big purchase at the sku's list price", () => {
    const catalogue = skuSummary(Array.from({ length: 60 }, () => 64800));
    const small = [payment(0, { sku: 'pack-68', unitPrice: 6800, amount: 6800 }), payment(600, { sku: 'pack-68', unitPrice: 6800, amount: 6800 })];
    expect(judge(intent(1200, { sku: 'pack-648', unitPrice: 64800, amount: 64800 }), small, defaultRulesConfig, catalogue).verdict).toBe('allow');
    expect(judge(intent(1200, { sku: 'pack-648', unitPrice: 64800, amount: 64800 }), [], defaultRulesConfig, catalogue).verdict).toBe('allow');
  });

  it('leaves allowlisted payers alone, as the detector does', () => {
    const config = RulesConfig.parse({ 'duplicate.exact': { allowlist: { payers: ['u_1'] } } });
    expect(judge(intent(8, { orderId: 'ord_a' }), [payment(0, { orderId: 'ord_a' })], config).reasons.map((r) => r.code)).not.toContain('duplicate.recent_same_order');
  });
});
