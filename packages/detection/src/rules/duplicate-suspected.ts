import type { PaymentSnapshot, Severity } from '@backstop/contracts';
import { byOccurredAt, defineRule, historyFor, moneyOf, msOf, thresholdsOf } from './rule';

/**
 * What makes two payments "the same purchase": one payer (the history is per payer), the
 * same amount and sku, and the same recipient account. Where neither has a recipient the sku
 * alone decides; one card for account A and one for account B is a gift, not a duplicate.
 */
function samePurchase(a: PaymentSnapshot, b: PaymentSnapshot): boolean {
  return (
    a.amount === b.amount &&
    a.currency === b.currency &&
    a.kind === b.kind &&
    a.merchantId === b.merchantId &&
    (a.sku ?? '') === (b.sku ?? '') &&
    (a.recipientAccount ?? '') === (b.recipientAccount ?? '')
  );
}

/**
 * duplicate.suspected: the same purchase made again under a different order within a short
 * window of event time — a double click, or a resubmit after network lag. The later of the
 * two by occurredAt is flagged; the closest earlier match is its evidence. A webhook retry
 * (same event id) never reaches the rules, and a second report of the same payment id is
 * one charge.
 */
export const duplicateSuspected = defineRule('duplicate.suspected', (context, settings) => {
  const { payment } = context;
  const windowMs = settings.windowSeconds * 1000;
  const currentMs = msOf(payment);
  const matches = historyFor(context).filter(
    (p) => p.orderId !== payment.orderId && samePurchase(p, payment) && Math.abs(msOf(p) - currentMs) <= windowMs,
  );
  if (matches.length === 0) return [];

  // The payment is flagged against the closest earlier match; an out-of-order arrival that is
  // earlier than a match makes that match the later one, so it is flagged against this payment.
  const earlier = matches.filter((p) => byOccurredAt(p, payment) < 0);
  const later = matches.filter((p) => byOccurredAt(p, payment) > 0);
  const pairs: [PaymentSnapshot, PaymentSnapshot][] = [];
  if (earlier.length > 0) pairs.push([earlier[earlier.length - 1]!, payment]);
  for (const next of later) {
    // A later match that already has another earlier match was flagged against it; flagging
    // it again would make a second flag for one charge.
    const alreadyMatched = historyFor(context).some(
      (p) => p.orderId !== next.orderId && samePurchase(p, next) && byOccurredAt(p, next) < 0 && msOf(next) - msOf(p) <= windowMs,
    );
    if (!alreadyMatched) pairs.push([payment, next]);
  }

  return pairs.map(([first, second]) => {
    const gapMs = msOf(second) - msOf(first);
    const severity: Severity = gapMs <= settings.highWithinSeconds * 1000 ? 'high' : gapMs <= settings.mediumWithinSeconds * 1000 ? 'medium' : 'low';
    return {
      type: 'duplicate.suspected' as const,
      severity,
      confidence: severity === 'high' ? 0.95 : severity === 'medium' ? 0.85 : 0.7,
      flagged: second,
      involved: [first, second],
      informationFlow: {
        message: {
          key: 'duplicate.suspected',
          params: { item: second.sku ?? second.kind, amount: moneyOf(second.amount, second), recipientAccount: second.recipientAccount, gapSeconds: gapMs / 1000 },
        },
        thresholds: thresholdsOf(settings),
        observed: { gapSeconds: gapMs / 1000, firstOrderId: first.orderId, secondOrderId: second.orderId, matchesInWindow: matches.length },
      },
    };
  });
});
