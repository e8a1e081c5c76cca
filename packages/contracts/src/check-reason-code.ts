import { z } from 'zod';
import type { FlagType } from './flag-type';

/** Why a check asks for confirmation; stable, so a platform may branch on them. */
export const CheckReasonCode = z.enum([
  'duplicate.recent_same_order',
  'duplicate.recent_same_purchase',
  'amount.digit_slip',
  'amount.unusual',
  'recipient.near_known',
  'recipient.unverified_new',
  'product.unusual_category',
]);
export type CheckReasonCode = z.infer<typeof CheckReasonCode>;

/**
 * The reason a check gives for the mistake each rule flags, so a flag can say whether the
 * user was warned about it. A burst of payments has none: each is asked about on its merits.
 */
export const checkReasonsOfFlag: Readonly<Record<FlagType, readonly CheckReasonCode[]>> = {
  'duplicate.exact': ['duplicate.recent_same_order'],
  'duplicate.suspected': ['duplicate.recent_same_purchase'],
  'amount.digit_slip': ['amount.digit_slip'],
  'amount.outlier': ['amount.unusual'],
  'recipient.near_miss': ['recipient.near_known', 'recipient.unverified_new'],
  'product.misselected': ['product.unusual_category'],
  'velocity.burst': [],
};
