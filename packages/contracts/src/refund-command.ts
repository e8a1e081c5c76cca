import { z } from 'zod';
import { ExternalId, PlatformName, TenantId, Timestamp } from './ids';
import { CurrencyCode, MinorUnits } from './money';
import { Severity } from './flag';
import { FlagType } from './flag-type';

/** Advice that goes with a refund or a review, for the platform's operators. */
export const RefundAdvice = z.enum(['hold_delivery', 'freeze_recipient_balance', 'revoke_goods']);
export type RefundAdvice = z.infer<typeof RefundAdvice>;

/**
 * An approved refund, as it travels on `refunds.commands.v1` (and in outbound webhooks).
 * Delivery is at least once: the platform dedupes on `idempotencyKey`, which is the same for
 * every attempt at refunding one charge.
 */
export const RefundCommand = z.strictObject({
  v: z.literal(1),
  decisionId: z.uuid(),
  idempotencyKey: z.string(),
  tenantId: TenantId,
  paymentId: ExternalId,
  orderId: PlatformName,
  payerId: PlatformName,
  merchantId: PlatformName,
  /** What to refund, in minor units; never more than `capturedAmount`. */
  amount: MinorUnits.refine((value) => value > 0, 'must be greater than zero'),
  currency: CurrencyCode,
  capturedAmount: MinorUnits,
  reason: z.string(),
  flagId: z.string(),
  flagType: FlagType,
  severity: Severity,
  /** The flag's evidence in one line; the full evidence is in the console. */
  evidenceSummary: z.string(),
  /** Void what was delivered (a card code, a top-up) before the money goes back. */
  revokeGoodsFirst: z.boolean(),
  advice: RefundAdvice.nullable(),
  approvedBy: z.string(),
  approvedAt: Timestamp,
});
export type RefundCommand = z.infer<typeof RefundCommand>;
