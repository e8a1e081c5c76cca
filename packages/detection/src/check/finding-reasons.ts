import type { FlagType, PaymentSnapshot } from '@backstop/contracts';
import type { Finding } from '../rules';
import { moneyOf, msOf } from '../rules/rule';
import type { ReasonFinding } from './check-reason';

const secondsBetween = (earlierMs: number, nowMs: number) => Math.max(0, Math.round((nowMs - earlierMs) / 100) / 10);
/** A dialog saying "0 seconds ago" reads as a glitch: anything under a second is said as one. */
const saidSecondsAgo = (seconds: number) => Math.max(1, seconds);

const paymentEvidence = (p: PaymentSnapshot) => ({
  paymentId: p.paymentId, orderId: p.orderId, amount: p.amount, currency: p.currency, occurredAt: p.occurredAt, sku: p.sku ?? null,
});

type Translate = (finding: Finding, candidate: PaymentSnapshot) => ReasonFinding;

/**
 * How each of the detector's findings on the payment about to be made reads as a reason to
 * confirm it. The detector's rule is the judge; this only says it to the user. A burst of
 * payments has no reason of its own: each of them is asked about on its own merits.
 */
const translations: Partial<Record<FlagType, Translate>> = {
  'duplicate.exact': (finding, candidate) => {
    const earlier = finding.involved.filter((p) => p !== candidate);
    const latest = earlier[earlier.length - 1]!;
    const paid = earlier.reduce((sum, p) => sum + p.amount, 0);
    const secondsAgo = secondsBetween(msOf(latest), msOf(candidate));
    return {
      code: 'duplicate.recent_same_order',
      evidence: {
        orderId: candidate.orderId,
        earlierPayments: earlier.map(paymentEvidence),
        paidSoFar: paid,
        orderAmount: finding.informationFlow.thresholds.orderAmount,
        currency: candidate.currency,
        secondsAgo,
      },
      message: { key: 'check.duplicate.recent_same_order', params: { paid: moneyOf(paid, candidate), secondsAgo: saidSecondsAgo(secondsAgo) } },
    };
  },
  'duplicate.suspected': (finding, candidate) => {
    const earlier = finding.involved[0]!;
    const secondsAgo = secondsBetween(msOf(earlier), msOf(candidate));
    return {
      code: 'duplicate.recent_same_purchase',
      evidence: { earlierPayment: paymentEvidence(earlier), secondsAgo, windowSeconds: finding.informationFlow.thresholds.windowSeconds },
      message: { key: 'check.duplicate.recent_same_purchase', params: { item: candidate.sku ?? candidate.kind, amount: moneyOf(candidate.amount, candidate), secondsAgo: saidSecondsAgo(secondsAgo) } },
    };
  },
  'amount.digit_slip': (finding, candidate) => {
    const message = finding.informationFlow.message;
    if (message.key !== 'amount.digit_slip') throw new Error(`unexpected message ${message.key}`);
    const { paidPerUnit, usual, factor, basis } = message.params;
    return {
      code: 'amount.digit_slip',
      evidence: { basis, usual, factor, paidPerUnit, comparisons: finding.informationFlow.observed.comparisons },
      message: { key: 'check.amount.digit_slip', params: { amount: paidPerUnit, usual, factor } },
    };
  },
  'amount.outlier': (finding, candidate) => {
    const message = finding.informationFlow.message;
    const { observed } = finding.informationFlow;
    const usual = moneyOf(Number(observed.baselineMedian), candidate);
    const amount = message.key === 'amount.outlier.sku' ? message.params.unitPrice : moneyOf(candidate.amount, candidate);
    return {
      code: 'amount.unusual',
      evidence: { basis: observed.basis, usual, robustZ: observed.robustZ, payments: observed.baselineCount },
      message: { key: 'check.amount.unusual', params: { amount, usual } },
    };
  },
  'recipient.near_miss': (finding, candidate) => {
    const message = finding.informationFlow.message;
    if (message.key !== 'recipient.near_miss') throw new Error(`unexpected message ${message.key}`);
    const { recipientAccount, meantAccount, edit, meantLastPaidAt } = message.params;
    return {
      code: 'recipient.near_known',
      evidence: { recipientAccount, knownAccount: meantAccount, edit, knownLastPaidAt: meantLastPaidAt, recipientVerified: candidate.recipientVerified ?? null },
      message: { key: 'check.recipient.near_known', params: { recipientAccount, knownAccount: meantAccount } },
    };
  },
};

/** The reasons the detector's findings give to confirm `candidate`; findings about earlier payments are not this payment's business. */
export function reasonsFromFindings(findings: readonly Finding[], candidate: PaymentSnapshot): ReasonFinding[] {
  const reasons: ReasonFinding[] = [];
  for (const finding of findings) {
    if (finding.flagged.paymentId !== candidate.paymentId) continue;
    const translate = translations[finding.type];
    if (translate) reasons.push(translate(finding, candidate));
  }
  return reasons;
}
