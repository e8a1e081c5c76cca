import type { PaymentSnapshot, Severity } from '@backstop/contracts';
import { isCataloguePrice } from '../state/sku-prices';
import { median, powerOfTenOff } from '../stats/robust';
import { defineRule, historyFor, moneyOf, thresholdsOf, type RuleContext } from './rule';

interface Comparison {
  basis: 'unitPrice×quantity' | 'payer.sku' | 'payer.category' | 'sku';
  usual: number;
  exponent: number;
  samples: number;
}

/** What the payment paid per unit: the amount spread over the quantity, whatever unitPrice claims. */
const paidPerUnit = (p: PaymentSnapshot) => p.amount / p.quantity;

/**
 * What a payer "usually pays" for a sku whose price they choose (a top-up of 100 one day and
 * 200 the next): every price they paid at least `minRepeats` times, most frequent first, then
 * the median. A slip is ten times one of the amounts they meant, not ten times an average.
 */
function usualPrices(prices: readonly number[], minRepeats: number): { price: number; samples: number }[] {
  const counts = new Map<number, number>();
  for (const price of prices) counts.set(price, (counts.get(price) ?? 0) + 1);
  const repeated = [...counts].filter(([, count]) => count >= minRepeats).sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return [...repeated.map(([price, samples]) => ({ price, samples })), { price: median(prices), samples: prices.length }];
}

function comparisons(context: RuleContext, settings: { toleranceLog10: number; exponents: number[]; minPayerSamples: number; minSkuSamples: number; maxSkuLogMad: number }): Comparison[] {
  const { payment, before } = context;
  const off = (ratio: number) => powerOfTenOff(ratio, settings.exponents, settings.toleranceLog10);
  const paid = paidPerUnit(payment);
  const found: Comparison[] = [];

  if (payment.unitPrice !== undefined && payment.unitPrice > 0) {
    const exponent = off(payment.amount / (payment.unitPrice * payment.quantity));
    if (exponent !== undefined) found.push({ basis: 'unitPrice×quantity', usual: payment.unitPrice * payment.quantity, exponent, samples: 1 });
  }

  // The payer's habits are no baseline for a price that is simply the sku's catalogue price:
  // a 648 pack after two 68 packs is a bigger purchase, not a slip.
  const catalogue = isCataloguePrice(before.sku, paid, settings.minSkuSamples, settings.maxSkuLogMad);
  const history = catalogue ? [] : historyFor(context);
  const sameSku = payment.sku === undefined ? [] : history.filter((p) => p.sku === payment.sku).map(paidPerUnit);
  if (sameSku.length >= settings.minPayerSamples) {
    const hit = usualPrices(sameSku, settings.minPayerSamples)
      .map(({ price, samples }) => ({ price, samples, exponent: off(paid / price) }))
      .find((candidate) => candidate.exponent !== undefined);
    if (hit) found.push({ basis: 'payer.sku', usual: hit.price, exponent: hit.exponent!, samples: hit.samples });
  } else if (payment.category !== undefined) {
    // A category mixes price points (a 68 and a 648 pack), so it is a baseline only when the
    // payer's own purchases in it all cost about the same, and only when the sku's prices
    // across payers show this price is unusual for it: a sku nobody has bought enough yet may
    // simply cost ten times the payer's usual card.
    const sameCategory = history.filter((p) => p.category === payment.category).map(paidPerUnit);
    const tight = sameCategory.length > 0 && Math.log(Math.max(...sameCategory) / Math.min(...sameCategory)) <= 2 * settings.maxSkuLogMad;
    const sku = before.sku;
    const unusualForSku = sku !== undefined && sku.count >= settings.minSkuSamples && Math.abs(Math.log(paid) - sku.logMedian) > 3 * Math.max(sku.logMad, settings.maxSkuLogMad);
    if (sameCategory.length >= settings.minPayerSamples && tight && unusualForSku) {
      const usual = median(sameCategory);
      const exponent = off(paid / usual);
      if (exponent !== undefined) found.push({ basis: 'payer.category', usual, exponent, samples: sameCategory.length });
    }
  }

  const sku = before.sku;
  if (sku && sku.count >= settings.minSkuSamples && sku.logMad <= settings.maxSkuLogMad) {
    const exponent = off(paid / sku.medianUnitPrice);
    if (exponent !== undefined) found.push({ basis: 'sku', usual: sku.medianUnitPrice, exponent, samples: sku.count });
  }
  return found;
}

/**
 * amount.digit_slip: a payment a power of ten away from what it should have been — the
 * amount against unitPrice × quantity, the price per unit against what this payer usually
 * pays for the sku (or a tightly priced category), or against the sku's usual price across
 * all payers. Ten cards at the usual unit price are a bulk purchase: the price per unit is
 * what is compared, never the total.
 */
export const digitSlip = defineRule('amount.digit_slip', (context, settings) => {
  const { payment } = context;
  const found = comparisons(context, settings);
  if (found.length === 0) return [];
  const strongest = found.find((c) => c.basis !== 'payer.category') ?? found[0]!;
  const severity: Severity = strongest.basis === 'payer.category' && found.length === 1 ? 'medium' : 'high';
  const confidence = Math.min(0.99, 0.8 + 0.06 * found.length);
  const factor = 10 ** strongest.exponent;
  return [
    {
      type: 'amount.digit_slip',
      severity,
      confidence,
      flagged: payment,
      involved: [payment],
      informationFlow: {
        message: {
          key: 'amount.digit_slip',
          params: { paidPerUnit: moneyOf(paidPerUnit(payment), payment), factor, usual: moneyOf(strongest.usual, payment), basis: strongest.basis },
        },
        thresholds: thresholdsOf(settings),
        observed: {
          paidPerUnit: paidPerUnit(payment),
          comparisons: found.map((c) => ({ basis: c.basis, usual: c.usual, factor: 10 ** c.exponent, samples: c.samples })),
        },
      },
    },
  ];
});
