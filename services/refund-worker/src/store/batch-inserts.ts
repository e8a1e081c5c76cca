import { refundIdempotencyKey, type Flag } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';
import type { PlannedDecision } from './plan-decisions';

/** Inserts the flags in one statement; returns those that were new (a redelivery is not). */
export async function insertFlags(client: PoolClient, flags: readonly Flag[]): Promise<Flag[]> {
  const result = await client.query<{ tenant_id: string; flag_id: string }>(
    `INSERT INTO flags (tenant_id, flag_id, type, severity, confidence, payment_id, payer_id, amount, currency, payment, evidence, received_at, flagged_at)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::real[], $6::text[], $7::text[], $8::bigint[],
                          $9::text[], $10::jsonb[], $11::jsonb[], $12::timestamptz[], $13::timestamptz[])
     ON CONFLICT (tenant_id, flag_id) DO NOTHING
     RETURNING tenant_id, flag_id`,
    [
      flags.map((f) => f.tenantId), flags.map((f) => f.flagId), flags.map((f) => f.type), flags.map((f) => f.severity),
      flags.map((f) => f.confidence), flags.map((f) => f.payment.paymentId), flags.map((f) => f.payment.payerId),
      flags.map((f) => f.payment.amount), flags.map((f) => f.payment.currency), flags.map((f) => JSON.stringify(f.payment)),
      flags.map((f) => JSON.stringify(f.evidence)), flags.map((f) => f.receivedAt), flags.map((f) => f.flaggedAt),
    ],
  );
  const inserted = new Set(result.rows.map((row) => `${row.tenant_id}\u0000${row.flag_id}`));
  return flags.filter((f) => inserted.has(`${f.tenantId}\u0000${f.flagId}`));
}

/**
 * Of flags already stored, how many were stored from this very message: same flag, same
 * flaggedAt. That is a redelivery (a batch redone). The detector raising a flag again from a
 * later payment sends a new flaggedAt, and is not counted.
 */
export async function countStoredCopies(client: PoolClient, flags: readonly Flag[]): Promise<number> {
  if (flags.length === 0) return 0;
  const result = await client.query<{ copies: number }>(
    `SELECT count(*)::int AS copies FROM flags f
       JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(tenant_id, flag_id, flagged_at)
         ON f.tenant_id = t.tenant_id AND f.flag_id = t.flag_id AND f.flagged_at = t.flagged_at`,
    [flags.map((f) => f.tenantId), flags.map((f) => f.flagId), flags.map((f) => f.flaggedAt)],
  );
  return result.rows[0]?.copies ?? 0;
}

/** Inserts the decisions in one statement; the database keeps a charge to one of them. */
export async function insertDecisions(client: PoolClient, planned: readonly PlannedDecision[], now: Date): Promise<PlannedDecision[]> {
  if (planned.length === 0) return [];
  const column = <T>(pick: (p: PlannedDecision) => T) => planned.map(pick);
  const result = await client.query<{ decision_id: string }>(
    `INSERT INTO refund_decisions (decision_id, tenant_id, payment_id, flag_id, flag_type, action, status, amount, currency,
                                   reason, idempotency_key, decided_by, severity, order_id, payer_id, merchant_id, channel,
                                   captured_amount, advice, revoke_goods_first, shadow_action, reason_message, approved_at, created_at, updated_at)
     SELECT d.*, CASE WHEN d.status = 'approved' THEN $23::timestamptz END, $23, $23
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[],
                   $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[],
                   $18::bigint[], $19::text[], $20::boolean[], $21::text[], $22::jsonb[])
            AS d(decision_id, tenant_id, payment_id, flag_id, flag_type, action, status, amount, currency, reason, idempotency_key,
                 decided_by, severity, order_id, payer_id, merchant_id, channel, captured_amount, advice, revoke_goods_first, shadow_action,
                 reason_message)
     ON CONFLICT (tenant_id, payment_id) DO NOTHING
     RETURNING decision_id`,
    [
      column((p) => p.decisionId), column((p) => p.flag.tenantId), column((p) => p.flag.payment.paymentId), column((p) => p.flag.flagId),
      column((p) => p.flag.type), column((p) => p.decision.action), column((p) => p.decision.status), column((p) => p.decision.amount),
      column((p) => p.flag.payment.currency), column((p) => p.decision.reason),
      column((p) => refundIdempotencyKey(p.flag.tenantId, p.flag.payment.paymentId)), column((p) => p.decision.decidedBy),
      column((p) => p.flag.severity), column((p) => p.flag.payment.orderId), column((p) => p.flag.payment.payerId),
      column((p) => p.flag.payment.merchantId), column((p) => p.flag.payment.channel ?? null), column((p) => p.decision.capturedAmount),
      column((p) => p.decision.advice), column((p) => p.decision.revokeGoodsFirst), column((p) => p.decision.shadowAction),
      column((p) => JSON.stringify(p.decision.reasonMessage)), now,
    ],
  );
  const inserted = new Set(result.rows.map((row) => row.decision_id));
  return planned.filter((p) => inserted.has(p.decisionId));
}

/** Turns shadow decisions into the real ones planned for their charges; returns those changed. */
export async function promoteShadowDecisions(client: PoolClient, planned: readonly PlannedDecision[], now: Date): Promise<PlannedDecision[]> {
  if (planned.length === 0) return [];
  const column = <T>(pick: (p: PlannedDecision) => T) => planned.map(pick);
  const result = await client.query<{ decision_id: string }>(
    `UPDATE refund_decisions d
        SET flag_id = t.flag_id, flag_type = t.flag_type, action = t.action, status = t.status, amount = t.amount, reason = t.reason,
            decided_by = t.decided_by, severity = t.severity, captured_amount = t.captured_amount, advice = t.advice,
            revoke_goods_first = t.revoke_goods_first, shadow_action = NULL, reason_message = t.reason_message,
            approved_at = CASE WHEN t.status = 'approved' THEN $14::timestamptz END, created_at = $14, updated_at = $14
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
                   $10::bigint[], $11::text[], $12::boolean[], $13::jsonb[])
            AS t(decision_id, flag_id, flag_type, action, status, amount, reason, decided_by, severity, captured_amount, advice, revoke_goods_first,
                 reason_message)
      WHERE d.decision_id = t.decision_id AND d.status = 'shadowed'
     RETURNING d.decision_id`,
    [
      column((p) => p.decisionId), column((p) => p.flag.flagId), column((p) => p.flag.type), column((p) => p.decision.action),
      column((p) => p.decision.status), column((p) => p.decision.amount), column((p) => p.decision.reason), column((p) => p.decision.decidedBy),
      column((p) => p.flag.severity), column((p) => p.decision.capturedAmount), column((p) => p.decision.advice),
      column((p) => p.decision.revokeGoodsFirst), column((p) => JSON.stringify(p.decision.reasonMessage)), now,
    ],
  );
  const promoted = new Set(result.rows.map((row) => row.decision_id));
  return planned.filter((p) => promoted.has(p.decisionId));
}
