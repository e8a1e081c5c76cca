import { z } from 'zod';
import { ExternalId, PlatformName, TenantId, Timestamp } from './ids';
import { CurrencyCode, MinorUnits } from './money';
import { Evidence, Severity } from './flag';
import { FlagType } from './flag-type';
import { DecisionMessage } from './messages';
import { RefundAdvice } from './refund-command';

/**
 * pending_review → approved → sent → succeeded | failed; or pending_review → rejected. A
 * failed refund the platform later reports succeeded moves on to succeeded: the books follow the money.
 * `shadowed` records what a shadow rule would have done; nothing is ever sent for it.
 */
export const DecisionStatus = z.enum(['pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected', 'shadowed']);
export type DecisionStatus = z.infer<typeof DecisionStatus>;

/** What the tenant's policy says to do with a flag. */
export const PolicyAction = z.enum(['auto_refund', 'review', 'notify', 'shadow']);
export type PolicyAction = z.infer<typeof PolicyAction>;

/** A refund decision as the console's API returns it. */
export const RefundDecision = z.strictObject({
  decisionId: z.string(),
  tenantId: TenantId,
  paymentId: ExternalId,
  flagId: z.string(),
  flagType: FlagType,
  action: PolicyAction,
  status: DecisionStatus,
  amount: MinorUnits,
  currency: CurrencyCode,
  /** In English; `reasonMessage` (null on decisions made before it existed) renders in any language. */
  reason: z.string(),
  reasonMessage: DecisionMessage.nullable(),
  idempotencyKey: z.string(),
  decidedBy: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  severity: Severity.nullable(),
  orderId: PlatformName.nullable(),
  merchantId: PlatformName.nullable(),
  channel: z.string().nullable(),
  /** The charge's captured amount: the refund never exceeds it. */
  capturedAmount: MinorUnits.nullable(),
  advice: RefundAdvice.nullable(),
  revokeGoodsFirst: z.boolean(),
  /** For a shadow decision: what the rule would have done. */
  shadowAction: PolicyAction.nullable(),
  approvedAt: Timestamp.nullable(),
  sentAt: Timestamp.nullable(),
  confirmedAt: Timestamp.nullable(),
  /** What the platform reported refunding (refund.succeeded / refund.failed) in the decision's currency. */
  confirmedAmount: MinorUnits.nullable(),
  /** The reviewer's reason for their verdict (required to reject), also in the decision's audit trail. */
  reviewNote: z.string().nullable(),
  /** The flag's evidence: fund flow, order flow and why the rule fired. */
  evidence: Evidence.nullable(),
});
export type RefundDecision = z.infer<typeof RefundDecision>;

export function refundIdempotencyKey(tenantId: string, paymentId: string): string {
  return `refund:${tenantId}:${paymentId}`;
}
