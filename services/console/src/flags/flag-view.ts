import { z } from 'zod';
import { Evidence, FlagMessage, FlagType, PayerAnswer, PaymentSnapshot, Severity, Timestamp } from '@backstop/contracts';
import { renderMessage, type Language } from '@backstop/messages';

/** A flags row joined with its payment's refund decision, as the queries select it. */
export interface FlagRow {
  seq: string;
  xid: string;
  tenant_id: string;
  flag_id: string;
  type: FlagType;
  severity: Severity;
  confidence: number;
  payment_id: string;
  payer_id: string;
  amount: number;
  currency: string;
  payment: PaymentSnapshot;
  evidence: Evidence;
  received_at: Date;
  flagged_at: Date;
  decision_id: string | null;
  decision_status: string | null;
  decision_action: string | null;
  decision_amount: number | null;
}

export const FLAG_COLUMNS = `
  f.seq, f.xid, f.tenant_id, f.flag_id, f.type, f.severity, f.confidence, f.payment_id, f.payer_id,
  f.amount, f.currency, f.payment, f.evidence, f.received_at, f.flagged_at,
  d.decision_id, d.status AS decision_status, d.action AS decision_action, d.amount AS decision_amount`;

export const FLAG_FROM = `
  flags f LEFT JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id`;

/** A flag as the API returns it; `payment` and `evidence` only when one flag is asked for. */
export const FlagView = z.object({
  flagId: z.string(),
  tenantId: z.string(),
  type: FlagType,
  severity: Severity,
  confidence: z.number(),
  paymentId: z.string(),
  payerId: z.string(),
  orderId: z.string(),
  amount: z.int().describe('In the currency\'s minor units.'),
  currency: z.string(),
  summary: z.string().describe('In the reader\'s language (`?lang=`, else Accept-Language, else English).'),
  message: FlagMessage.nullable().describe('The summary as a key and parameters; null on flags from before messages.'),
  receivedAt: Timestamp,
  flaggedAt: Timestamp,
  detectionLatencyMs: z.number(),
  decision: z.object({ decisionId: z.string(), status: z.string().nullable(), action: z.string().nullable(), amount: z.int().nullable() }).nullable(),
  payerAnswer: PayerAnswer.nullable().describe('What the payer said through their payer link while the flag was under review; it never moves the decision.'),
  payment: PaymentSnapshot.optional(),
  evidence: Evidence.optional(),
});
export type FlagView = z.infer<typeof FlagView>;

/**
 * A flag as the API returns it. `summary` is written in the reader's language from the flag's
 * message (a v1 flag has only its English sentence), with accounts whole: the route masks them
 * for every role that may not see them, in the summary as everywhere else.
 */
export function flagView(row: FlagRow, { withEvidence, lang }: { withEvidence: boolean; lang: Language }): FlagView {
  const { message, summary } = row.evidence.informationFlow;
  return {
    flagId: row.flag_id,
    tenantId: row.tenant_id,
    type: row.type,
    severity: row.severity,
    confidence: row.confidence,
    paymentId: row.payment_id,
    payerId: row.payer_id,
    orderId: row.payment.orderId,
    amount: row.amount,
    currency: row.currency,
    summary: renderMessage(message, { lang, accounts: 'whole' }, summary),
    message: message ?? null,
    receivedAt: row.received_at.toISOString(),
    flaggedAt: row.flagged_at.toISOString(),
    detectionLatencyMs: row.flagged_at.getTime() - row.received_at.getTime(),
    decision: row.decision_id
      ? { decisionId: row.decision_id, status: row.decision_status, action: row.decision_action, amount: row.decision_amount }
      : null,
    payerAnswer: row.evidence.informationFlow.payerAnswer ?? null,
    ...(withEvidence ? { payment: row.payment, evidence: row.evidence } : {}),
  };
}
