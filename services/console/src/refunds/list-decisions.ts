import type { RefundDecision } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';

interface DecisionRow {
  decision_id: string;
  tenant_id: string;
  payment_id: string;
  flag_id: string;
  flag_type: RefundDecision['flagType'];
  action: RefundDecision['action'];
  status: RefundDecision['status'];
  amount: number;
  currency: string;
  reason: string;
  idempotency_key: string;
  decided_by: string;
  created_at: Date;
  updated_at: Date;
}

function toDecision(row: DecisionRow): RefundDecision {
  return {
    decisionId: row.decision_id,
    tenantId: row.tenant_id,
    paymentId: row.payment_id,
    flagId: row.flag_id,
    flagType: row.flag_type,
    action: row.action,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    idempotencyKey: row.idempotency_key,
    decidedBy: row.decided_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** Cursor: the last row's (created_at, decision_id), opaque to clients. */
export function encodeCursor(decision: RefundDecision): string {
  return Buffer.from(JSON.stringify([decision.createdAt, decision.decisionId])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string'
      && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/.test(value[1])) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  return null;
}

export async function listDecisions(
  pool: Pool,
  tenantId: string | null,
  options: { limit: number; after: [string, string] | null },
): Promise<RefundDecision[]> {
  const result = await pool.query<DecisionRow>(
    `SELECT * FROM refund_decisions
      WHERE ($1::text IS NULL OR tenant_id = $1)
        AND ($2::timestamptz IS NULL OR (created_at, decision_id) < ($2::timestamptz, $3::uuid))
      ORDER BY created_at DESC, decision_id DESC
      LIMIT $4`,
    [tenantId, options.after?.[0] ?? null, options.after?.[1] ?? null, options.limit],
  );
  return result.rows.map(toDecision);
}
