import { amountMismatch, orderedAmount, type PaymentSnapshot, type RulesConfig, type Severity } from '@backstop/contracts';
import { isCataloguePrice } from '../state/sku-prices';
import { median, powerOfTenOff } from '../stats/robust';
import { defineRule, historyFor, moneyOf, msOf, thresholdsOf, type Finding, type RuleContext } from './rule';

interface Comparison {
  basis: 'unitPrice×quantity' | 'payer.sku' | 'payer.category' | 'sku';
  usual: number;
  exponent: number;
  samples: number;
}

/**
 * What the payment paid per unit: the amount spread over the quantity, whatever unitPrice
 * claims; a part of a split order by the order's total, or every part but the largest would
 * be a fraction of the usual price.
 */
const paidPerUnit = (p: PaymentSnapshot) => orderedAmount(p) / p.quantity;

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

type Settings = RulesConfig['amount.digit_slip'];

const offBy = (ratio: number, settings: Settings) => powerOfTenOff(ratio, settings.exponents, settings.toleranceLog10);

/** The amount against the payment's own unitPrice × quantity: needs no history at all. */
function unitPriceComparison(payment: PaymentSnapshot, settings: Settings): Comparison | undefined {
  if (payment.unitPrice === undefined || payment.unitPrice <= 0 || !amountMismatch(payment)) return undefined;
  const exponent = offBy(orderedAmount(payment) / (payment.unitPrice * payment.quantity), settings);
  return exponent === undefined ? undefined : { basis: 'unitPrice×quantity', usual: payment.unitPrice * payment.quantity, exponent, samples: 1 };
}

/** The price per unit against what the payer paid for the same sku before (`sameSku`, per unit). */
function payerSkuComparison(paid: number, sameSku: readonly number[], settings: Settings): Comparison | undefined {
  if (sameSku.length < settings.minPayerSamples) return undefined;
  const hit = usualPrices(sameSku, settings.minPayerSamples)
    .map(({ price, samples }) => ({ price, samples, exponent: offBy(paid / price, settings) }))
    .find((candidate) => candidate.exponent !== undefined);
  return hit && { basis: 'payer.sku', usual: hit.price, exponent: hit.exponent!, samples: hit.samples };
}

function comparisons(context: RuleContext, settings: Settings): Comparison[] {
  const { payment, before } = context;
  const off = (ratio: number) => offBy(ratio, settings);
  const paid = paidPerUnit(payment);
  const found: Comparison[] = [];

  const own = unitPriceComparison(payment, settings);
  if (own) found.push(own);

  // The payer's habits are no baseline for a price that is simply the sku's catalogue price:
  // a 648 pack after two 68 packs is a bigger purchase, not a slip.
  const catalogue = isCataloguePrice(before.sku, paid, settings.minSkuSamples, settings.maxSkuLogMad);
  const history = catalogue ? [] : historyFor(context);
  // What the payer paid before in event time: a price paid after the slip is no habit it broke.
  const sameSku = payment.sku === undefined ? [] : history.filter((p) => p.sku === payment.sku && msOf(p) < msOf(payment)).map(paidPerUnit);
  if (sameSku.length >= settings.minPayerSamples) {
    const hit = payerSkuComparison(paid, sameSku, settings);
    if (hit) found.push(hit);
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

function finding(payment: PaymentSnapshot, found: Comparison[], settings: Settings, judgedLate: boolean): Finding {
  const strongest = found.find((c) => c.basis !== 'payer.category') ?? found[0]!;
  const severity: Severity = strongest.basis === 'payer.category' && found.length === 1 ? 'medium' : 'high';
  const confidence = Math.min(0.99, 0.8 + 0.06 * found.length);
  const factor = 10 ** strongest.exponent;
  return {
    type: 'amount.digit_slip',
    severity,
    confidence,
    flagged: payment,
    // The slipped payment alone makes the flag id, whenever its evidence arrived.
    involved: [payment],
    informationFlow: {
      message: {
        key: 'amount.digit_slip',
        params: { paidPerUnit: moneyOf(paidPerUnit(payment), payment), factor, usual: moneyOf(strongest.usual, payment), basis: strongest.basis },
      },
      thresholds: thresholdsOf(settings),
      observed: {
        paidPerUnit: paidPerUnit(payment),
        currency: payment.currency,
        comparisons: found.map((c) => ({ basis: c.basis, usual: c.usual, factor: 10 ** c.exponent, samples: c.samples })),
        judgedLate,
      },
    },
  };
}

/**
 * Late history: `arrived` is an earlier purchase of a sku that reached the detector after a
 * later payment of it. Each such later payment is judged again against the payer's prices
 * before it in event time, now including this one; it is flagged only when this arrival is
 * what makes it a slip (without it the payer had too few prices, or none that a power of ten
 * explains) and its own unitPrice × quantity did not already say so when it arrived. A slip
 * the sku-wide prices caught on arrival may be flagged again here: with the same flag id.
 */
function lateFindings(context: RuleContext, settings: Settings): Finding[] {
  const { payment: arrived, before } = context;
  if (arrived.sku === undefined) return [];
  const history = historyFor(context);
  const arrivedMs = msOf(arrived);
  const newest = history.at(-1);
  if (newest === undefined || msOf(newest) <= arrivedMs) return []; // in order: nothing later to judge
  const findings: Finding[] = [];
  for (const later of history) {
    if (msOf(later) <= arrivedMs || later.sku !== arrived.sku || unitPriceComparison(later, settings)) continue;
    const paid = paidPerUnit(later);
    if (isCataloguePrice(before.sku, paid, settings.minSkuSamples, settings.maxSkuLogMad)) continue;
    const earlier = history.filter((p) => p.sku === later.sku && msOf(p) < msOf(later)).map(paidPerUnit);
    const now = payerSkuComparison(paid, [...earlier, paidPerUnit(arrived)], settings);
    if (now && !payerSkuComparison(paid, earlier, settings)) findings.push(finding(later, [now], settings, true));
  }
  return findings;
}

/**
 * amount.digit_slip: a payment a power of ten away from what it should have been — the
 * amount against unitPrice × quantity, the price per unit against what this payer usually
 * pays for the sku (or a tightly priced category), or against the sku's usual price across
 * all payers. Ten cards at the usual unit price are a bulk purchase: the price per unit is
 * what is compared, never the total.
 *
 * Judged in event time: when the payer's earlier prices for the sku arrive after the slip,
 * the slip is judged again as they arrive (see lateFindings), under the same flag id.
 */
export const digitSlip = defineRule('amount.digit_slip', (context, settings) => {
  const found = comparisons(context, settings);
  const now = found.length > 0 ? [finding(context.payment, found, settings, false)] : [];
  return [...now, ...lateFindings(context, settings)];
});
