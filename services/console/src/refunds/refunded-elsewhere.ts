/**
 * The succeeded refunds of decision `d`'s charge that no decision of Backstop's sent: the
 * platform refunded it on its own. A FROM clause to select from, for a query that has the
 * decision as `d`; the payer's page asks whether any exist. (The review's cap counts every
 * refund of the charge in its currency, its own query in review.ts.)
 */
export const REFUNDS_ELSEWHERE_OF_D = `FROM refund_outcomes r
  WHERE r.tenant_id = d.tenant_id AND r.payment_id = d.payment_id AND r.outcome = 'succeeded' AND r.decision_id IS NULL`;
