import { amountMismatch, type PaymentSnapshot } from '@backstop/contracts';
import { robustZ, summarizeLog } from '../stats/robust';
import { isCataloguePrice, unitPriceOf } from '../state/sku-prices';
import { defineRule, historyFor, moneyOf, thresholdsOf } from './rule';

/** Within this distance of a fixed-price sku's usual price (log scale, about ±10 %), the price is the catalogue's. */
const CATALOGUE_PRICE_LOG_DISTANCE = 0.1;
/** Samples before a sku's price counts as its catalogue price. */
const CATALOGUE_MIN_SAMPLES = 20;

/**
 * A purchase whose amount is the platform's own unitPrice × quantity: nobody typed it, it is
 * the price of what was chosen. Whether that was the wrong product is product.misselected's
 * question; a top-up or transfer that carries its amount as its unit price still was typed.
 */
const listPricedPurchase = (payment: PaymentSnapshot) => payment.kind === 'purchase' && payment.unitPrice !== undefined && !amountMismatch(payment);

/**
 * amount.outlier: an amount far above the payer's own recent payments in the currency
 * (modified z-score of log amounts over the last N, given a minimum history, and several
 * times the largest of them); a payer without
 * that history is judged against the sku's prices across all payers. A large amount whose
 * unit price is exactly a fixed-price sku's catalogue price is a deliberate purchase (a big
 * pack, or several cards at once), not an outlier; nor is a purchase at its own list price
 * measured against the payer's habits, only against the sku's prices across payers. Only the
 * high side is flagged: paying
 * less than usual costs the payer nothing to undo.
 */
export const amountOutlier = defineRule('amount.outlier', (context, settings) => {
  const { payment, before } = context;
  const history = historyFor(context).slice(-settings.lookback);
  const sku = before.sku;
  const unitPrice = unitPriceOf(payment);
  const atCataloguePrice = isCataloguePrice(sku, unitPrice, CATALOGUE_MIN_SAMPLES, CATALOGUE_PRICE_LOG_DISTANCE);

  let basis: 'payer' | 'sku';
  let z: number;
  let baseline: { count: number; median: number; logMad: number };
  if (history.length >= settings.minHistory && !listPricedPurchase(payment)) {
    if (atCataloguePrice) return [];
    const summary = summarizeLog(history.map((p) => p.amount))!;
    const largest = Math.max(...history.map((p) => p.amount));
    if (payment.amount < settings.minTimesLargest * largest) return [];
    basis = 'payer';
    z = robustZ(payment.amount, summary, settings.madFloor);
    baseline = { count: summary.count, median: Math.round(Math.exp(summary.logMedian)), logMad: summary.logMad };
  } else if (sku && sku.count >= settings.minSkuSamples) {
    basis = 'sku';
    z = robustZ(unitPrice, sku, settings.madFloor);
    baseline = { count: sku.count, median: sku.medianUnitPrice, logMad: sku.logMad };
  } else {
    return [];
  }
  if (z <= settings.threshold) return [];
  const extreme = z > 2 * settings.threshold;
  return [
    {
      type: 'amount.outlier',
      severity: extreme ? 'medium' : 'low',
      confidence: extreme ? 0.8 : 0.6,
      flagged: payment,
      involved: [payment],
      informationFlow: {
        message:
          basis === 'payer'
            ? { key: 'amount.outlier.payer', params: { amount: moneyOf(payment.amount, payment), usual: moneyOf(baseline.median, payment), robustZ: Number(z.toFixed(1)), payments: baseline.count } }
            : { key: 'amount.outlier.sku', params: { unitPrice: moneyOf(unitPrice, payment), usual: moneyOf(baseline.median, payment), robustZ: Number(z.toFixed(1)), payments: baseline.count } },
        thresholds: thresholdsOf(settings),
        observed: { basis, robustZ: Number(z.toFixed(3)), baselineMedian: baseline.median, baselineLogMad: Number(baseline.logMad.toFixed(4)), baselineCount: baseline.count },
      },
    },
  ];
});
