import { z } from 'zod';
import { CurrencyCode, DecisionStatus, FlagType, TenantId, Timestamp } from '@backstop/contracts';

/** Query filters shared by the JSON list and the CSV export of decisions. */
export const DecisionFilter = z.strictObject({
  /** Operators only: other keys always see their own tenant. */
  tenant: TenantId.optional(),
  status: DecisionStatus.optional(),
  flagType: FlagType.optional(),
  currency: CurrencyCode.optional(),
  /** Decided at or after this instant. */
  from: Timestamp.optional(),
  /** Decided before this instant. */
  to: Timestamp.optional(),
});
export type DecisionFilter = z.infer<typeof DecisionFilter>;

export const DecisionListQuery = DecisionFilter.extend({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});
