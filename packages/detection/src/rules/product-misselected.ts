import type { PaymentSnapshot, RulesConfig } from '@backstop/contracts';
import type { PayerSnapshot } from '../state/payer-snapshot';
import { gradeMisselected, recipientRelation } from './misselected-signals';
import { defineRule, historyFor, moneyOf, msOf, thresholdsOf, type Finding, type RuleContext } from './rule';

type Settings = RulesConfig['product.misselected'];

const ratioOf = (a: number, b: number) => Math.max(a, b) / Math.min(a, b);

/** The payer's purchases in `category` before `beforeMs`. */
function usualPurchasesOf(history: readonly PaymentSnapshot[], category: string, beforeMs: number): PaymentSnapshot[] {
  return history.filter((p) => p.kind === 'purchase' && p.category === category && msOf(p) < beforeMs);
}

/**
 * Whether `correction` can be the purchase `mistake` was meant to be: a purchase, later and
 * within the window, at the same merchant, on a shelf the payer bought from before, for at
 * most `similarAmountRatio` times the amount, and for the same account. How strongly it says
 * so is graded separately.
 */
function corrects(mistake: PaymentSnapshot, correction: PaymentSnapshot, history: readonly PaymentSnapshot[], settings: Settings): boolean {
  const gapMs = msOf(correction) - msOf(mistake);
  if (
    correction.kind !== 'purchase' ||
    correction.category === undefined ||
    correction.category === mistake.category ||
    correction.merchantId !== mistake.merchantId ||
    gapMs <= 0 ||
    gapMs > settings.windowSeconds * 1000 ||
    ratioOf(mistake.amount, correction.amount) > settings.similarAmountRatio
  ) {
    return false;
  }
  const usual = usualPurchasesOf(history, correction.category, msOf(mistake));
  if (usual.length < settings.minUsualPurchases) return false;
  return recipientRelation(mistake, correction, accountsOf(usual)) !== 'different';
}

const accountsOf = (purchases: readonly PaymentSnapshot[]) => new Set(purchases.flatMap((p) => (p.recipientAccount === undefined ? [] : [p.recipientAccount])));

function finding(mistake: PaymentSnapshot, correction: PaymentSnapshot, history: readonly PaymentSnapshot[], before: PayerSnapshot, settings: Settings): Finding {
  const usual = usualPurchasesOf(history, correction.category!, msOf(mistake));
  const recipient = recipientRelation(mistake, correction, accountsOf(usual));
  const gapSeconds = (msOf(correction) - msOf(mistake)) / 1000;
  const amountRatio = Number(ratioOf(mistake.amount, correction.amount).toFixed(3));
  const mistakeDeliveredMs = before.deliveries.get(mistake.orderId);
  const graded = gradeMisselected(
    { usualPurchases: usual.length, amountRatio, gapSeconds, recipient: recipient === 'different' ? 'unknown' : recipient, mistakeDeliveredMs, correctionMs: msOf(correction) },
    settings,
  );
  return {
    type: 'product.misselected',
    severity: graded.severity,
    confidence: graded.confidence,
    flagged: mistake,
    involved: [mistake, correction],
    // Which correction shows up first depends on arrival order; the mistake does not.
    identifiedBy: [mistake],
    informationFlow: {
      message: {
        key: 'product.misselected',
        params: {
          mistakenItem: mistake.sku, mistakenCategory: mistake.category!, mistakenAmount: moneyOf(mistake.amount, mistake),
          intendedItem: correction.sku, usualCategory: correction.category!, intendedAmount: moneyOf(correction.amount, correction),
          usualPurchases: usual.length, gapSeconds,
        },
      },
      thresholds: thresholdsOf(settings),
      observed: {
        mistakenSku: mistake.sku ?? null,
        mistakenCategory: mistake.category ?? null,
        mistakenAmount: mistake.amount,
        correctionSku: correction.sku ?? null,
        usualCategory: correction.category ?? null,
        correctionAmount: correction.amount,
        currency: mistake.currency,
        usualCategoryPurchases: usual.length,
        gapSeconds,
        amountRatio,
        recipient,
        mistakeDeliveredAt: mistakeDeliveredMs === undefined ? null : new Date(mistakeDeliveredMs).toISOString(),
        mistakeDeliveredBeforeCorrection: graded.signals.find((s) => s.signal === 'mistakeDeliveredBeforeCorrection')!.value,
        signals: graded.signals,
      },
    },
  };
}

/**
 * product.misselected: a purchase in a category the payer never bought, followed within a
 * window by a purchase on a shelf they bought from before, at the same merchant, for the same
 * account and a price within a factor — the first was probably picked by mistake, and it is
 * the one flagged. The confidence is graded from the evidence (see gradeMisselected). Judged
 * when the correction arrives; when the mistaken purchase arrives late, it is judged then.
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
    return [finding(mistake, first, history, before, settings)];
  }

  const isNewCategory = !before.categories.has(payment.category);
  if (!isNewCategory) return [];
  const correction = history.find((p) => corrects(payment, p, history, settings));
  return correction ? [finding(payment, correction, history, before, settings)] : [];
});
