import { z } from 'zod';

/** The seven rules; a flag is named after the one that raised it. */
export const FlagType = z.enum([
  'duplicate.exact',
  'duplicate.suspected',
  'amount.digit_slip',
  'amount.outlier',
  'recipient.near_miss',
  'product.misselected',
  'velocity.burst',
]);
export type FlagType = z.infer<typeof FlagType>;
