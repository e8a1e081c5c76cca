import { describe, expect, it } from 'vitest';
import { defaultRulesConfig } from '@backstop/contracts';
import { buildFlag } from '../flag-builder';
import { amountOutlier } from './amount-outlier';
import { digitSlip } from './digit-slip';
import { evaluateRules } from './index';
import { contextFor, payment, skuSummary } from './rule-fixtures';

const slip = defaultRulesConfig['amount.digit_slip'];
const outlier = defaultRulesConfig['amount.outlier'];
const usualTopups = () => [payment(0, { kind: 'topup', sku: 'topup', unitPrice: 10000, amount: 10000 }), payment(600, { kind: 'topup', sku: 'topup', unitPrice: 10000, amount: 10000 }), payment(1200, { kind: 'topup', sku: 'topup', unitPrice: 20000, amount: 20000 })];
const fixedPriceSku = skuSummary(Array.from({ length: 30 }, () => 3000));

describe('amount.digit_slip', () => {
  it('catches the seed case: meant to pay 100, paid 1000', () => {
    const slipped = payment(3600, { kind: 'topup', sku: 'topup', unitPrice: 100000, amount: 100000 });
    const [finding] = digitSlip.evaluate(contextFor(slipped, usualTopups()), slip);
    expect(finding).toMatchObject({ severity: 'high', flagged: { paymentId: slipped.paymentId } });
    expect(finding!.informationFlow.observed).toMatchObject({ comparisons: [{ basis: 'payer.sku', usual: 10000, factor: 10 }] });
  });

  it('compares against each amount the payer repeatedly chose, not their average', () => {
    const mixed = [10000, 20000, 20000, 10000].map((amount, i) => payment(i * 3600, { kind: 'topup', sku: 'topup', unitPrice: amount, amount }));
    const slipped = payment(86_400, { kind: 'topup', sku: 'topup', unitPrice: 100000, amount: 100000 });
    expect(digitSlip.evaluate(contextFor(slipped, mixed), slip)[0]!.informationFlow.observed).toMatchObject({ comparisons: [{ basis: 'payer.sku', usual: 10000, factor: 10 }] });
    const usual = payment(86_400, { kind: 'topup', sku: 'topup', unitPrice: 30000, amount: 30000 });
    expect(digitSlip.evaluate(contextFor(usual, mixed), slip)).toEqual([]);
  });

  it('catches an amount that is not unitPrice × quantity', () => {
    const slipped = payment(0, { unitPrice: 3000, quantity: 1, amount: 30000 });
    const [finding] = digitSlip.evaluate(contextFor(slipped, []), slip);
    expect(finding!.informationFlow.observed).toMatchObject({ comparisons: [{ basis: 'unitPrice×quantity', factor: 10 }] });
  });

  it("catches a unit price a power of ten off the sku's usual price across payers, for a payer without history", () => {
    const slipped = payment(0, { unitPrice: 300, amount: 300 });
    const [finding] = digitSlip.evaluate(contextFor(slipped, [], fixedPriceSku), slip);
    expect(finding!.informationFlow.observed).toMatchObject({ comparisons: [{ basis: 'sku', usual: 3000, factor: 0.1 }] });
  });

  it('prices each part of a split order at the order\'s total, whichever unitPrice the platform sends', () => {
    const usual = [payment(0, { unitPrice: 10000, amount: 10000 }), payment(600, { unitPrice: 10000, amount: 10000 }), payment(1200, { unitPrice: 10000, amount: 10000 })];
    const fromBalance = payment(3600, { orderId: 'split', unitPrice: 10000, amount: 1000, orderAmount: 10000 });
    const byCard = payment(3601, { orderId: 'split', unitPrice: 10000, amount: 9000, orderAmount: 10000 });
    const partPriced = payment(3602, { orderId: 'split-2', unitPrice: 1000, amount: 1000, orderAmount: 10000 });
    const unpriced = payment(3603, { orderId: 'split-3', unitPrice: undefined, amount: 1000, orderAmount: 10000 });
    for (const part of [fromBalance, byCard, partPriced, unpriced]) expect(digitSlip.evaluate(contextFor(part, usual, fixedPriceSku), slip)).toEqual([]);
    // A split order that itself costs ten times the usual is still a slip.
    const slippedOrder = payment(3604, { orderId: 'split-4', unitPrice: undefined, amount: 10000, orderAmount: 100000 });
    expect(digitSlip.evaluate(contextFor(slippedOrder, usual), slip)[0]!.informationFlow.observed).toMatchObject({ paidPerUnit: 100000, comparisons: [{ basis: 'payer.sku', usual: 10000, factor: 10 }] });
  });

  it('leaves a bulk purchase at the usual unit price alone', () => {
    const bulk = payment(3600, { quantity: 10, unitPrice: 3000, amount: 30000 });
    expect(digitSlip.evaluate(contextFor(bulk, [payment(0), payment(60)], fixedPriceSku), slip)).toEqual([]);
    expect(amountOutlier.evaluate(contextFor(bulk, Array.from({ length: 8 }, (_, i) => payment(i * 600)), fixedPriceSku), outlier)).toEqual([]);
  });

  it("compares against the payer's category only when it is tightly priced and the price is unusual for the sku", () => {
    const packs = [payment(0, { sku: 'pack-68', unitPrice: 6800, amount: 6800 }), payment(60, { sku: 'pack-68', unitPrice: 6800, amount: 6800 })];
    const bigPack = payment(600, { sku: 'pack-648', unitPrice: 64800, amount: 64800 });
    // The sku is sold at varying prices, and 64800 is far from its usual: the category decides.
    const variedSku = skuSummary(Array.from({ length: 40 }, (_, i) => 4000 + 200 * i));
    expect(digitSlip.evaluate(contextFor(bigPack, packs, variedSku), slip)[0]).toMatchObject({ severity: 'medium' });
    expect(digitSlip.evaluate(contextFor(bigPack, packs), slip)).toEqual([]);
    expect(digitSlip.evaluate(contextFor(bigPack, packs, skuSummary(Array.from({ length: 40 }, () => 64800))), slip)).toEqual([]);
    const mixed = [...packs, payment(120, { sku: 'pack-328', unitPrice: 32800, amount: 32800 })];
    expect(digitSlip.evaluate(contextFor(bigPack, mixed, variedSku), slip)).toEqual([]);
  });
});

describe('amount.digit_slip when the payer\'s earlier prices arrive after the slip', () => {
  // Top-ups carry the amount as their own unit price: only the payer's history can tell a slip.
  const topup = (at: number, amount: number) => payment(at, { kind: 'topup', sku: 'topup', unitPrice: amount, amount });
  const idOf = (findings: ReturnType<typeof digitSlip.evaluate>) => findings.map((f) => buildFlag('cardshop', f, '2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.000Z').flagId);

  it('flags the slip when the history that makes it one arrives, with the id it gets in order', () => {
    const [a, b, slipped] = [topup(0, 10000), topup(600, 10000), topup(3600, 100000)];
    const inOrder = digitSlip.evaluate(contextFor(slipped, [a, b]), slip);
    expect(digitSlip.evaluate(contextFor(slipped, []), slip)).toEqual([]);
    expect(digitSlip.evaluate(contextFor(a, [slipped]), slip)).toEqual([]); // one price is no habit yet
    const late = digitSlip.evaluate(contextFor(b, [slipped, a]), slip);
    expect(late.map((f) => f.flagged.paymentId)).toEqual([slipped.paymentId]);
    expect(late[0]!.informationFlow.observed).toMatchObject({ judgedLate: true, comparisons: [{ basis: 'payer.sku', usual: 10000, factor: 10 }] });
    expect(idOf(late)).toEqual(idOf(inOrder));
  });

  it('judges the slip once: not again for history arriving after it was already a slip', () => {
    const [a, b, c, slipped] = [topup(0, 10000), topup(600, 10000), topup(1200, 10000), topup(3600, 100000)];
    expect(digitSlip.evaluate(contextFor(slipped, [a, b]), slip)).toHaveLength(1);
    expect(digitSlip.evaluate(contextFor(c, [a, b, slipped]), slip)).toEqual([]);
  });

  it('judges only what came later in event time, of the same sku, and not what its own unit price already flagged', () => {
    const [a, b] = [topup(0, 10000), topup(600, 10000)];
    const usual = topup(3600, 10000);
    expect(digitSlip.evaluate(contextFor(b, [a, usual]), slip)).toEqual([]);
    const otherSku = payment(3600, { kind: 'topup', sku: 'gems', unitPrice: 100000, amount: 100000 });
    expect(digitSlip.evaluate(contextFor(b, [a, otherSku]), slip)).toEqual([]);
    const priceSaysSo = payment(3600, { kind: 'topup', sku: 'topup', unitPrice: 10000, amount: 100000 });
    expect(digitSlip.evaluate(contextFor(b, [a, priceSaysSo]), slip)).toEqual([]);
  });
});

describe('amount.outlier', () => {
  const history = () => Array.from({ length: 10 }, (_, i) => payment(i * 3600, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 5000 + 500 * (i % 3) }));

  it("flags an amount far above the payer's own history, with the statistics it compared against", () => {
    const big = payment(86_400, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 70000 });
    const [finding] = amountOutlier.evaluate(contextFor(big, history()), outlier);
    expect(finding!.informationFlow.observed).toMatchObject({ basis: 'payer', baselineMedian: 5500, baselineCount: 10 });
    expect((finding!.informationFlow.observed as { robustZ: number }).robustZ).toBeGreaterThan(outlier.threshold);
  });

  it('stays silent for a payer whose history already holds large jumps', () => {
    const jumpy = [...history(), payment(40_000, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 30000 })];
    const big = payment(86_400, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 70000 });
    expect(amountOutlier.evaluate(contextFor(big, jumpy), outlier)).toEqual([]);
  });

  it('stays silent below the threshold, or without enough history', () => {
    const usual = payment(86_400, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 9000 });
    expect(amountOutlier.evaluate(contextFor(usual, history()), outlier)).toEqual([]);
    const big = payment(86_400, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 70000 });
    expect(amountOutlier.evaluate(contextFor(big, history().slice(0, 3)), outlier)).toEqual([]);
  });

  it("judges a payer without history against the sku's prices, so a new payer's expensive but usual purchase passes", () => {
    const premium = skuSummary(Array.from({ length: 60 }, (_, i) => 64800 + (i % 2) * 100));
    expect(amountOutlier.evaluate(contextFor(payment(0, { sku: 'pack-648', unitPrice: 64800, amount: 64800 }), [], premium), outlier)).toEqual([]);
    expect(amountOutlier.evaluate(contextFor(payment(0, { sku: 'pack-648', unitPrice: 500000, amount: 500000 }), [], premium), outlier)).toHaveLength(1);
  });

  it('leaves a legitimately large purchase at a fixed-price sku\'s catalogue price alone', () => {
    const premium = skuSummary(Array.from({ length: 30 }, () => 64800));
    const small = Array.from({ length: 8 }, (_, i) => payment(i * 600, { unitPrice: 3000, amount: 3000 }));
    expect(amountOutlier.evaluate(contextFor(payment(86_400, { sku: 'pack-648', unitPrice: 64800, amount: 64800 }), small, premium), outlier)).toEqual([]);
  });

  it("measures a purchase at its own list price against the sku's prices, not the payer's habits", () => {
    const cheap = Array.from({ length: 9 }, (_, i) => payment(i * 600, { sku: 'card-25', unitPrice: 2500, amount: 2500 }));
    const newSku = payment(86_400, { sku: 'bundle-328', unitPrice: 32800, amount: 32800 });
    expect(amountOutlier.evaluate(contextFor(newSku, cheap), outlier)).toEqual([]);
    expect(amountOutlier.evaluate(contextFor(newSku, cheap, skuSummary(Array.from({ length: outlier.minSkuSamples }, () => 3280))), outlier)).toHaveLength(1);
    // Typed amounts are still measured against the payer: a top-up carries its amount as its price.
    const topups = Array.from({ length: 9 }, (_, i) => payment(i * 600, { kind: 'topup', sku: 'topup', unitPrice: 2500, amount: 2500 }));
    const bigTopup = payment(86_400, { kind: 'topup', sku: 'topup', unitPrice: 32800, amount: 32800 });
    expect(amountOutlier.evaluate(contextFor(bigTopup, topups), outlier)).toHaveLength(1);
  });

  it('gives way to a digit slip on the same charge', () => {
    const history = Array.from({ length: 8 }, (_, i) => payment(i * 600));
    const slipped = payment(86_400, { unitPrice: 30000, amount: 30000 });
    expect(evaluateRules(contextFor(slipped, history, fixedPriceSku), defaultRulesConfig).map((f) => f.type)).toEqual(['amount.digit_slip']);
  });
});
