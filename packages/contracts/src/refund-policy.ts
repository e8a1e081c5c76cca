import { z } from 'zod';
import { Severity } from './flag';
import { FlagType } from './flag-type';
import { CurrencyCode, MinorUnits } from './money';
import { PolicyAction } from './refund';

/** What a rule does with a flag of its type. */
export const PolicyRule = z.strictObject({
  action: PolicyAction,
  /** Replaces `action` for flags of these severities. */
  bySeverity: z.partialRecord(Severity, PolicyAction).optional(),
  /** Replaces the action once the order's goods were delivered (`order.delivered` seen). */
  whenDelivered: PolicyAction.optional(),
  /** For `shadow`: the action being tried, recorded as what would have happened. */
  trying: PolicyAction.exclude(['shadow']).default('auto_refund'),
});
export type PolicyRule = z.infer<typeof PolicyRule>;

/**
 * A tenant's refund policy, stored in Postgres and read on every batch, so a change takes
 * effect without a restart. Rules it leaves out fall back to the built-in defaults; a
 * currency without a limit has none.
 */
export const RefundPolicy = z.strictObject({
  v: z.literal(1),
  rules: z.partialRecord(FlagType, PolicyRule).default({}),
  /** Largest single automatic refund per currency, in minor units; above it → review. */
  maxAutoRefund: z.record(CurrencyCode, MinorUnits).default({}),
  /** Automatic refunds per currency per day (the tenant's day); beyond it → review. */
  dailyAutoBudget: z.record(CurrencyCode, MinorUnits).default({}),
  /** Turns every automatic refund into a review. */
  killSwitch: z.boolean().default(false),
  /** Whether a digit slip refunds only the excess over the intended amount. */
  partialRefunds: z.boolean().default(true),
  /**
   * What becomes of an automatic refund when a pre-payment check warned the user of this very
   * mistake and they confirmed and paid anyway: by default a person reviews it, as the payer
   * may well have meant it; `auto_refund` treats it like any other flag.
   */
  whenWarnedAndConfirmed: z.enum(['review', 'auto_refund']).default('review'),
});
export type RefundPolicy = z.infer<typeof RefundPolicy>;
