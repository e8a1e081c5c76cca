import { describe, expect, it } from 'vitest';
import { defaultRulesConfig, RulesConfig } from '@backstop/contracts';
import { buildFlag } from '../flag-builder';
import { evaluateRules } from './index';
import { productMisselected } from './product-misselected';
import { recipientNearMiss } from './recipient-near-miss';
import { contextFor, payment } from './rule-fixtures';
import { velocityBurst } from './velocity-burst';

const nearMiss = defaultRulesConfig['recipient.near_miss'];
const misselected = defaultRulesConfig['product.misselected'];
const burst = defaultRulesConfig['velocity.burst'];
const transfer = (at: number, account: string, verified = true) =>
  payment(at, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 20000, recipientAccount: account, recipientVerified: verified });

describe('recipient.near_miss', () => {
  const history = () => [transfer(0, '6217001234'), transfer(3600, 'Alice-88')];

  it('flags a never-used account one digit away from a used one, with higher severity when unverified', () => {
    const [verified] = recipientNearMiss.evaluate(contextFor(transfer(7200, '6217001235'), history()), nearMiss);
    expect(verified).toMatchObject({ severity: 'medium' });
    expect(verified!.informationFlow.observed).toMatchObject({ probablyMeant: '6217001234', edit: 'substituted' });
    const [unverified] = recipientNearMiss.evaluate(contextFor(transfer(7200, '6217010234', false), history()), nearMiss);
    expect(unverified).toMatchObject({ severity: 'high' });
    expect(unverified!.informationFlow.observed).toMatchObject({ edit: 'swapped' });
  });

  it('recognises confused letter case, except in an e-mail address, which names one mailbox however spelt', () => {
    expect(recipientNearMiss.evaluate(contextFor(transfer(7200, 'alice-88'), history()), nearMiss)[0]!.informationFlow.observed).toMatchObject({ edit: 'case' });
    const wallet = [transfer(0, 'Zhang.Wei25@example.com'), transfer(3600, 'zhang.wei25@example.com')];
    expect(recipientNearMiss.evaluate(contextFor(wallet[1]!, [wallet[0]!]), nearMiss)).toEqual([]);
    expect(recipientNearMiss.evaluate(contextFor(wallet[0]!, [wallet[1]!]), nearMiss)).toEqual([]);
    expect(recipientNearMiss.evaluate(contextFor(transfer(7200, 'zhang.wei52@example.com'), wallet), nearMiss)[0]!.informationFlow.observed).toMatchObject({ edit: 'swapped' });
  });

  it('watches a purchase delivered to a game account as it watches a top-up', () => {
    const cards = [payment(0, { recipientAccount: '365626765' }), payment(600, { recipientAccount: '365626765' })];
    const [finding] = recipientNearMiss.evaluate(contextFor(payment(3600, { recipientAccount: '365686765', recipientVerified: false }), cards), nearMiss);
    expect(finding).toMatchObject({ severity: 'high' });
    const onlyTransfers = RulesConfig.parse({ 'recipient.near_miss': { kinds: ['topup', 'transfer'] } })['recipient.near_miss'];
    expect(recipientNearMiss.evaluate(contextFor(payment(3600, { recipientAccount: '365686765' }), cards), onlyTransfers)).toEqual([]);
  });

  it('stays silent for a used account and a genuinely new one', () => {
    expect(recipientNearMiss.evaluate(contextFor(transfer(7200, '6217001234'), history()), nearMiss)).toEqual([]);
    expect(recipientNearMiss.evaluate(contextFor(transfer(7200, '6230559871'), history()), nearMiss)).toEqual([]);
  });

  describe('judged by event time, whatever the order of arrival', () => {
    const meant = () => transfer(0, '6217001234');
    const slip = () => transfer(7200, '6217001235', false);

    it('flags the slip when the payment to the account meant arrives after it, never the account meant', () => {
      const [mistake, usual] = [slip(), meant()];
      expect(recipientNearMiss.evaluate(contextFor(mistake, []), nearMiss)).toEqual([]);
      const findings = recipientNearMiss.evaluate(contextFor(usual, [mistake]), nearMiss);
      expect(findings.map((finding) => finding.flagged.paymentId)).toEqual([mistake.paymentId]);
      expect(findings[0]).toMatchObject({ severity: 'high' });
      expect(findings[0]!.informationFlow.observed).toMatchObject({ probablyMeant: '6217001234', recipient: '6217001235' });
    });

    it('gives the slip the same flag whichever payment arrives first', () => {
      const [mistake, usual] = [slip(), meant()];
      const inOrder = recipientNearMiss.evaluate(contextFor(mistake, [usual]), nearMiss);
      const reversed = recipientNearMiss.evaluate(contextFor(usual, [mistake]), nearMiss);
      expect(reversed.map((finding) => finding.involved.map((p) => p.paymentId))).toEqual(inOrder.map((finding) => finding.involved.map((p) => p.paymentId)));
    });

    it('does not flag again a slip whose earlier evidence was already there, nor a later repeat payment to the same account', () => {
      const [usual, mistake, again] = [meant(), slip(), transfer(9000, '6217001235', false)];
      expect(recipientNearMiss.evaluate(contextFor(transfer(100, '6217001234'), [usual, mistake, again]), nearMiss)).toEqual([]);
      expect(recipientNearMiss.evaluate(contextFor(usual, [mistake, again]), nearMiss).map((finding) => finding.flagged.paymentId)).toEqual([mistake.paymentId]);
    });

    it('reaches the verdict in-order arrival would have reached, never flagging the earlier account', () => {
      // Paid ...235 first, then ...234 twice: in event time the first payment to ...234 is the slip.
      const [first, second, third] = [transfer(0, '6217001235'), transfer(7200, '6217001234'), transfer(9000, '6217001234')];
      const inOrder = recipientNearMiss.evaluate(contextFor(second, [first]), nearMiss);
      const late = recipientNearMiss.evaluate(contextFor(first, [second, third]), nearMiss);
      expect(inOrder.map((finding) => finding.flagged.paymentId)).toEqual([second.paymentId]);
      expect(late.map((finding) => finding.flagged.paymentId)).toEqual([second.paymentId]);
    });
  });
});

describe('product.misselected', () => {
  const usual = () => [0, 86_400, 172_800].map((at) => payment(at, { sku: 'welkin-30d', category: 'game-card', amount: 3000 }));

  it('flags a first purchase in a new category followed by a similar purchase in the usual one', () => {
    const mistake = payment(200_000, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    const correction = payment(200_120, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    const [finding] = productMisselected.evaluate(contextFor(correction, [...usual(), mistake]), misselected);
    expect(finding).toMatchObject({ flagged: { paymentId: mistake.paymentId } });
    expect(finding!.involved.map((p) => p.paymentId)).toEqual([mistake.paymentId, correction.paymentId]);
    expect(finding!.informationFlow.observed).toMatchObject({ usualCategory: 'game-card', usualCategoryPurchases: 3, gapSeconds: 120 });
  });

  it('judges the mistake when it arrives after its correction', () => {
    const mistake = payment(200_000, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    const correction = payment(200_120, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    expect(productMisselected.evaluate(contextFor(mistake, [...usual(), correction]), misselected)[0]!.flagged.paymentId).toBe(mistake.paymentId);
  });

  it('flags a mistake against its first correction, whichever purchase brings it up: one flag id, never two', () => {
    const mistake = payment(200_000, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    const first = payment(200_120, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    const second = payment(200_300, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    const involved = (findings: ReturnType<typeof productMisselected.evaluate>) => findings.map((f) => f.involved.map((p) => p.paymentId));
    const expected = [[mistake.paymentId, first.paymentId]];
    expect(involved(productMisselected.evaluate(contextFor(first, [...usual(), mistake]), misselected))).toEqual(expected);
    expect(involved(productMisselected.evaluate(contextFor(second, [...usual(), mistake, first]), misselected))).toEqual(expected);
    // Arriving out of order, the earlier correction still wins.
    expect(involved(productMisselected.evaluate(contextFor(first, [...usual(), mistake, second]), misselected))).toEqual(expected);
  });

  it('keeps one flag id for the mistake when the later correction arrives first and the earlier one after it', () => {
    const mistake = payment(200_000, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    const first = payment(200_120, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    const second = payment(200_300, { sku: 'welkin-30d', category: 'game-card', amount: 3000 });
    const flagIds = (findings: ReturnType<typeof productMisselected.evaluate>) => findings.map((finding) => buildFlag('cardshop', finding, '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z').flagId);
    const raisedBySecond = flagIds(productMisselected.evaluate(contextFor(second, [...usual(), mistake]), misselected));
    const raisedByFirst = flagIds(productMisselected.evaluate(contextFor(first, [...usual(), mistake, second]), misselected));
    expect(raisedBySecond).toHaveLength(1);
    expect(raisedByFirst).toEqual(raisedBySecond);
  });

  it('stays silent for a new category kept, a different amount, a late follow-up, or a category bought before', () => {
    const mistake = payment(200_000, { sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 });
    expect(productMisselected.evaluate(contextFor(payment(200_120, { amount: 30000, unitPrice: 30000 }), [...usual(), mistake]), misselected)).toEqual([]);
    expect(productMisselected.evaluate(contextFor(payment(201_000), [...usual(), mistake]), misselected)).toEqual([]);
    const earlierSkin = payment(100_000, { sku: 'skin-blue', category: 'skin', amount: 3200 });
    expect(productMisselected.evaluate(contextFor(payment(200_120), [...usual(), earlierSkin, mistake]), misselected)).toEqual([]);
  });
});

describe('product.misselected grades its evidence', () => {
  const usualCard = (at: number) => payment(at, { sku: 'welkin-30d', category: 'game-card', amount: 3000, unitPrice: 3000 });
  const habitOf = (count: number) => Array.from({ length: count }, (_, i) => usualCard(i * 86_400));
  const wrongShelf = (at: number, amount = 3200, overrides: Parameters<typeof payment>[1] = {}) =>
    payment(at, { sku: `skin-${amount}`, category: 'skin', unitPrice: amount, amount, ...overrides });
  const judge = (history: ReturnType<typeof payment>[], mistake: ReturnType<typeof payment>, correction: ReturnType<typeof payment>, deliveries = new Map<string, number>()) =>
    productMisselected.evaluate(contextFor(correction, [...history, mistake], undefined, deliveries), misselected);
  const signalsOf = (finding: { informationFlow: { observed: Record<string, unknown> } }) =>
    Object.fromEntries((finding.informationFlow.observed.signals as { signal: string; value: unknown }[]).map((s) => [s.signal, s.value]));

  it('is high with a full habit, a close price, the usual account and nothing delivered, and states every signal', () => {
    const [finding] = judge(habitOf(3), wrongShelf(300_000), usualCard(300_090));
    expect(finding).toMatchObject({ severity: 'high' });
    expect(finding!.confidence).toBeGreaterThanOrEqual(0.9);
    expect(signalsOf(finding!)).toEqual({ usualPurchases: 3, amountRatio: 1.067, gapSeconds: 90, recipient: 'usual-account', mistakeDeliveredBeforeCorrection: false });
    expect(finding!.informationFlow.observed).toMatchObject({ mistakenAmount: 3200, correctionAmount: 3000, currency: 'CNY', mistakeDeliveredAt: null });
  });

  it('flags a newcomer with one or two usual purchases at lower confidence, never high', () => {
    const [one] = judge(habitOf(1), wrongShelf(300_000), usualCard(300_090));
    const [two] = judge(habitOf(2), wrongShelf(300_000), usualCard(300_090));
    const [three] = judge(habitOf(3), wrongShelf(300_000), usualCard(300_090));
    expect([one!.severity, two!.severity]).toEqual(['medium', 'medium']);
    expect(one!.confidence).toBeLessThan(two!.confidence);
    expect(two!.confidence).toBeLessThan(three!.confidence);
  });

  it('accepts prices up to twice or half the intended one, for less the further off, and no further', () => {
    const confidenceAt = (amount: number) => judge(habitOf(3), wrongShelf(300_000, amount), usualCard(300_090))[0]?.confidence;
    const [close, neighbouring, far] = [3300, 4200, 5700].map(confidenceAt);
    expect(close).toBeGreaterThan(neighbouring!);
    expect(neighbouring).toBeGreaterThan(far!);
    expect(judge(habitOf(3), wrongShelf(300_000, 5700), usualCard(300_090))[0]).toMatchObject({ severity: 'medium' });
    expect(confidenceAt(1600)).toBeDefined();
    expect(confidenceAt(6300)).toBeUndefined();
    expect(confidenceAt(1400)).toBeUndefined();
  });

  it('stays silent when the new item went to another account than the usual one: bought for someone else', () => {
    expect(judge(habitOf(3), wrongShelf(300_000, 3200, { recipientAccount: '8000999999' }), usualCard(300_090))).toEqual([]);
  });

  it('counts goods delivered before the correction against it, and says when they were delivered', () => {
    const mistake = wrongShelf(300_000);
    const correction = usualCard(300_240);
    const deliveredMs = Date.parse(mistake.occurredAt) + 30_000;
    const [delivered] = judge(habitOf(3), mistake, correction, new Map([[mistake.orderId, deliveredMs]]));
    expect(delivered).toMatchObject({ severity: 'medium' });
    expect(delivered!.informationFlow.observed).toMatchObject({ mistakeDeliveredAt: new Date(deliveredMs).toISOString(), mistakeDeliveredBeforeCorrection: true });
    // Delivered only after the correction: the payer had not seen it yet.
    const [afterwards] = judge(habitOf(3), mistake, correction, new Map([[mistake.orderId, Date.parse(correction.occurredAt) + 1000]]));
    expect(afterwards).toMatchObject({ severity: 'high' });
    expect(signalsOf(afterwards!).mistakeDeliveredBeforeCorrection).toBe(false);
  });

  it('counts a slow correction and both purchases for an account the usual ones never used for a little less', () => {
    const [quick] = judge(habitOf(3), wrongShelf(300_000), usualCard(300_090));
    const [slow] = judge(habitOf(3), wrongShelf(300_000), usualCard(300_500));
    expect(slow!.confidence).toBeLessThan(quick!.confidence);
    const friend = { recipientAccount: '8000777777' };
    const [forFriend] = judge(habitOf(3), wrongShelf(300_000, 3200, friend), payment(300_090, { amount: 3000, ...friend }));
    expect(signalsOf(forFriend!).recipient).toBe('same-other-account');
    expect(forFriend!.confidence).toBeLessThan(quick!.confidence);
  });

  it('judges the same way, with the same flag id, when the mistake arrives after its correction', () => {
    const mistake = wrongShelf(300_000, 4200);
    const correction = usualCard(300_090);
    const inOrder = judge(habitOf(2), mistake, correction);
    const late = productMisselected.evaluate(contextFor(mistake, [...habitOf(2), correction]), misselected);
    const idOf = (findings: typeof inOrder) => findings.map((f) => buildFlag('cardshop', f, '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z').flagId);
    expect(idOf(late)).toEqual(idOf(inOrder));
    expect(late.map((f) => [f.severity, f.confidence])).toEqual(inOrder.map((f) => [f.severity, f.confidence]));
  });
});

describe('velocity.burst', () => {
  it('flags once, on the payment that takes the count past the limit', () => {
    const payments = Array.from({ length: 7 }, (_, i) => payment(i * 5, { sku: `sku-${i}`, amount: 1000 + i, unitPrice: 1000 + i }));
    const verdicts = payments.map((p, i) => velocityBurst.evaluate(contextFor(p, payments.slice(0, i)), burst).length);
    expect(verdicts).toEqual([0, 0, 0, 0, 0, 1, 0]);
    const [finding] = velocityBurst.evaluate(contextFor(payments[5]!, payments.slice(0, 5)), burst);
    expect(finding!.involved).toHaveLength(6);
  });

  it('ignores payments outside the window', () => {
    const spread = Array.from({ length: 6 }, (_, i) => payment(i * 30));
    expect(velocityBurst.evaluate(contextFor(spread[5]!, spread.slice(0, 5)), burst)).toEqual([]);
  });
});

describe('tenant settings', () => {
  it('switch a rule off, and leave allowlisted payers and merchants alone', () => {
    const first = payment(0, { orderId: 'ord_y' });
    const second = payment(3, { orderId: 'ord_y' });
    const context = contextFor(second, [first]);
    expect(evaluateRules(context, defaultRulesConfig).map((f) => f.type)).toEqual(['duplicate.exact']);
    expect(evaluateRules(context, RulesConfig.parse({ 'duplicate.exact': { enabled: false } }))).toEqual([]);
    expect(evaluateRules(context, RulesConfig.parse({ 'duplicate.exact': { allowlist: { payers: ['u_1'] } } }))).toEqual([]);
    expect(evaluateRules(context, RulesConfig.parse({ 'duplicate.exact': { allowlist: { merchants: ['m_cardshop'] } } }))).toEqual([]);
  });

  it('reject unknown rules and out-of-range thresholds', () => {
    expect(RulesConfig.safeParse({ 'duplicate.maybe': {} }).success).toBe(false);
    expect(RulesConfig.safeParse({ 'velocity.burst': { maxPayments: 0 } }).success).toBe(false);
  });
});
