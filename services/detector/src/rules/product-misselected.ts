import type { PaymentSnapshot } from '@backstop/contracts';
import { defineRule, historyFor, msOf, thresholdsOf, type RuleContext } from './rule';

interface Settings {
  windowSeconds: number;
  similarAmountRatio: number;
  minUsualPurchases: number;
}

const similar = (a: number, b: number, ratio: number) => Math.max(a, b) <= ratio * Math.min(a, b);

/** Purchases of `category` by the payer that happened before `beforeMs`. */
function purchasesIn(history: PaymentSnapshot[], category: string, beforeMs: number): number {
  return history.filter((p) => p.kind === 'purchase' && p.category === category && msOf(p) < beforeMs).length;
}

/** Whether `correction` looks like the purchase `mistake` was meant to be. */
function corrects(mistake: PaymentSnapshot, correction: PaymentSnapshot, history: PaymentSnapshot[], settings: Settings): boolean {
  const gapMs = msOf(correction) - msOf(mistake);
  return (
    correction.kind === 'purchase' &&
    correction.category !== undefined &&
    correction.category !== mistake.category &&
    correction.merchantId === mistake.merchantId &&
    gapMs > 0 &&
    gapMs <= settings.windowSeconds * 1000 &&
    similar(mistake.amount, correction.amount, settings.similarAmountRatio) &&
    purchasesIn(history, correction.category, msOf(mistake)) >= settings.minUsualPurchases
  );
}

function finding(mistake: PaymentSnapshot, correction: PaymentSnapshot, history: PaymentSnapshot[], settings: Settings & object) {
  const usualCount = purchasesIn(history, correction.category!, msOf(mistake));
  return {
    type: 'product.misselected' as const,
    severity: 'medium' as const,
    confidence: 0.85,
    flagged: mistake,
    involved: [mistake, correction],
    // Which correction shows up first depends on arrival order; the mistake does not.
    identifiedBy: [mistake],
    informationFlow: {
      message: {
        key: 'product.misselected' as const,
        params: {
          mistakenItem: mistake.sku, mistakenCategory: mistake.category!, intendedItem: correction.sku, usualCategory: correction.category!,
          gapSeconds: (msOf(correction) - msOf(mistake)) / 1000,
        },
      },
      thresholds: thresholdsOf(settings),
      observed: {
        mistakenCategory: mistake.category ?? null,
        usualCategory: correction.category ?? null,
        usualCategoryPurchases: usualCount,
        gapSeconds: (msOf(correction) - msOf(mistake)) / 1000,
        amountRatio: Number((Math.max(mistake.amount, correction.amount) / Math.min(mistake.amount, correction.amount)).toFixed(3)),
      },
    },
  };
}

/**
 * product.misselected: a purchase in a category the payer never bought, followed within a
 * window by a purchase in their usual category for a similar amount at the same merchant —
 * the first was probably picked by mistake, and it is the one flagged. Judged when the
 * correction arrives; when the mistaken purchase arrives late, it is judged then instead.
 */
export const productMisselected = defineRule('product.misselected', (context: RuleContext, settings) => {
  const { payment, before } = context;
  if (payment.kind !== 'purchase' || payment.category === undefined) return [];
  const history = historyFor(context);

  const mistakes = history.filter((p) => p.kind === 'purchase' && p.category !== undefined && before.firstInCategory.has(p.paymentId) && corrects(p, payment, history, settings));
  if (mistakes.length > 0) {
    // A mistake is flagged against its first correction, whichever later purchase in the
    // usual category brings it up: the same flag (same id) every time, never a second one.
    const mistake = mistakes[mistakes.length - 1]!;
    const first = [payment, ...history.filter((p) => p !== mistake && corrects(mistake, p, history, settings))].sort((a, b) => msOf(a) - msOf(b) || a.paymentId.localeCompare(b.paymentId))[0]!;
    return [finding(mistake, first, history, settings)];
  }

  const isNewCategory = !before.categories.has(payment.category);
  if (!isNewCategory) return [];
  const correction = history.find((p) => corrects(payment, p, history, settings));
  return correction ? [finding(payment, correction, history, settings)] : [];
});
