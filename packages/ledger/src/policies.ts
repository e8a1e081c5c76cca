import { RefundPolicy } from '@backstop/contracts';
import type { Pool, PoolClient } from '@backstop/postgres';

export interface StoredPolicy {
  policy: RefundPolicy;
  /** The stored document failed validation; the fail-safe policy stands in for it. */
  invalid: boolean;
}

/** Nothing automatic: what a tenant gets while its stored policy cannot be read. */
export const failSafePolicy: RefundPolicy = RefundPolicy.parse({ v: 1, killSwitch: true });

export function parseStoredPolicy(document: unknown): StoredPolicy {
  if (document === null || document === undefined) return { policy: RefundPolicy.parse({ v: 1 }), invalid: false };
  const parsed = RefundPolicy.safeParse(document);
  return parsed.success ? { policy: parsed.data, invalid: false } : { policy: failSafePolicy, invalid: true };
}

/** Validates and stores a tenant's policy; the workers pick it up on their next batch. */
export async function saveRefundPolicy(db: Pool | PoolClient, tenantId: string, document: unknown, updatedBy: string): Promise<RefundPolicy> {
  const policy = RefundPolicy.parse(document);
  await db.query(
    `INSERT INTO refund_policies (tenant_id, document, updated_by, updated_at) VALUES ($1, $2, $3, now())
     ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_by = excluded.updated_by, updated_at = now()`,
    [tenantId, JSON.stringify(policy), updatedBy],
  );
  return policy;
}
