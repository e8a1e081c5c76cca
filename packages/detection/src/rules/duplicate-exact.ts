import type { PaymentSnapshot } from '@backstop/contracts';
import { byOccurredAt, defineRule, moneyOf, msOf, type Finding } from './rule';

/**
 * duplicate.exact: one order paid more than once. Payments of an order are summed in
 * event-time order; every payment that takes the sum past the order's amount is a duplicate
 * charge (split payments that add up to the amount are not). A payment reported twice under
 * the same payment id is one charge, not two.
 */
export const duplicateExact = defineRule('duplicate.exact', ({ payment, before }) => {
  const byId = new Map<string, PaymentSnapshot>();
  for (const earlier of before.order) if (earlier.currency === payment.currency) byId.set(earlier.paymentId, earlier);
  if (byId.has(payment.paymentId)) return [];
  byId.set(payment.paymentId, payment);
  if (byId.size < 2) return [];

  const payments = [...byId.values()].sort(byOccurredAt);
  const orderAmount = Math.max(...payments.map((p) => p.orderAmount ?? p.amount));
  const findings: Finding[] = [];
  let paid = 0;
  const currentMs = msOf(payment);
  for (const [index, candidate] of payments.entries()) {
    paid += candidate.amount;
    const overpaid = paid > orderAmount;
    // Payments before the current one were judged when they arrived; their verdict is unchanged.
    const affected = candidate === payment || msOf(candidate) > currentMs;
    if (!overpaid || !affected || index === 0) continue;
    const involved = payments.slice(0, index + 1);
    const exactRepeat = involved.some((p) => p !== candidate && p.amount === candidate.amount);
    findings.push({
      type: 'duplicate.exact',
      severity: 'high',
      confidence: exactRepeat ? 0.99 : 0.9,
      flagged: candidate,
      involved,
      informationFlow: {
        message: {
          key: 'duplicate.exact',
          params: { orderId: candidate.orderId, payments: index + 1, paidTotal: moneyOf(paid, candidate), orderAmount: moneyOf(orderAmount, candidate) },
        },
        thresholds: { orderAmount },
        observed: {
          paymentsOfOrder: involved.map((p) => ({ paymentId: p.paymentId, amount: p.amount, occurredAt: p.occurredAt })),
          paidTotal: paid,
          overpaid: paid - orderAmount,
        },
      },
    });
  }
  return findings;
});
