import { refundIdempotencyKey, type Flag } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';
import { decide, initialStatus } from '../policy/decide';

export interface RecordOutcome {
  flagsInserted: number;
  decisionsInserted: number;
  /** Flags whose tenant Backstop does not know. */
  orphaned: Flag[];
}

/**
 * Stores a batch of flags and their refund decisions in the caller's transaction. Both
 * inserts are idempotent: a redelivered flag changes nothing, and the unique key on
 * (tenant, payment) means a second flag on the same charge never makes a second decision.
 */
export async function recordFlags(client: PoolClient, flags: Flag[]): Promise<RecordOutcome> {
  const outcome: RecordOutcome = { flagsInserted: 0, decisionsInserted: 0, orphaned: [] };
  for (const flag of flags) {
    const inserted = await client.query(
      `INSERT INTO flags (tenant_id, flag_id, type, severity, confidence, payment_id, payer_id, amount, currency, payment, evidence, received_at, flagged_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
       WHERE EXISTS (SELECT 1 FROM tenants WHERE tenant_id = $1)
       ON CONFLICT (tenant_id, flag_id) DO NOTHING
       RETURNING 1`,
      [
        flag.tenantId, flag.flagId, flag.type, flag.severity, flag.confidence, flag.payment.paymentId,
        flag.payment.payerId, flag.payment.amount, flag.payment.currency, flag.payment, flag.evidence,
        flag.receivedAt, flag.flaggedAt,
      ],
    );
    if (inserted.rowCount === 0) {
      const known = await client.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [flag.tenantId]);
      if (known.rowCount === 0) outcome.orphaned.push(flag);
      continue;
    }
    outcome.flagsInserted += 1;
    const decision = decide(flag);
    const status = initialStatus(decision.action);
    if (status === null) continue;
    const created = await client.query(
      `INSERT INTO refund_decisions (tenant_id, payment_id, flag_id, flag_type, action, status, amount, currency, reason, idempotency_key, decided_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (tenant_id, payment_id) DO NOTHING`,
      [
        flag.tenantId, flag.payment.paymentId, flag.flagId, flag.type, decision.action, status, decision.amount,
        flag.payment.currency, decision.reason, refundIdempotencyKey(flag.tenantId, flag.payment.paymentId),
        decision.action === 'auto_refund' ? 'policy:auto' : 'policy:review',
      ],
    );
    outcome.decisionsInserted += created.rowCount ?? 0;
  }
  return outcome;
}
