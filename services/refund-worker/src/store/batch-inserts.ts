import { refundIdempotencyKey, type Flag } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';
import type { PlannedDecision } from '@backstop/ledger';

/**
 * Inserts the flags in one statement; returns those that were new (a redelivery is not). The
 * rows travel as one JSON document: the payment and evidence stay nested objects, encoded once,
 * where a column of JSON strings would be encoded twice and escaped for an array literal.
 */
export async function insertFlags(client: PoolClient, flags: readonly Flag[]): Promise<Flag[]> {
  const rows = flags.map((f) => ({
    tenant_id: f.tenantId, flag_id: f.flagId, type: f.type, severity: f.severity, confidence: f.confidence,
    payment_id: f.payment.paymentId, payer_id: f.payment.payerId, amount: f.payment.amount, currency: f.payment.currency,
    payment: f.payment, evidence: f.evidence, received_at: f.receivedAt, flagged_at: f.flaggedAt,
  }));
  const result = await client.query<{ tenant_id: string; flag_id: string }>(
    `INSERT INTO flags (tenant_id, flag_id, type, severity, confidence, payment_id, payer_id, amount, currency, payment, evidence, received_at, flagged_at)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS f(tenant_id text, flag_id text, type text, severity text, confidence real, payment_id text,
                                                      payer_id text, amount bigint, currency text, payment jsonb, evidence jsonb,
                                                      received_at timestamptz, flagged_at timestamptz)
     ON CONFLICT (tenant_id, flag_id) DO NOTHING
     RETURNING tenant_id, flag_id`,
    [JSON.stringify(rows)],
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

/** Inserts the decisions in one statement (rows as one JSON document); the database keeps a charge to one of them. */
export async function insertDecisions(client: PoolClient, planned: readonly PlannedDecision[], now: Date): Promise<PlannedDecision[]> {
  if (planned.length === 0) return [];
  const rows = planned.map(({ decisionId, flag, decision }) => ({
    decision_id: decisionId, tenant_id: flag.tenantId, payment_id: flag.payment.paymentId, flag_id: flag.flagId, flag_type: flag.type,
    action: decision.action, status: decision.status, amount: decision.amount, currency: flag.payment.currency, reason: decision.reason,
    idempotency_key: refundIdempotencyKey(flag.tenantId, flag.payment.paymentId), decided_by: decision.decidedBy, severity: flag.severity,
    order_id: flag.payment.orderId, payer_id: flag.payment.payerId, merchant_id: flag.payment.merchantId, channel: flag.payment.channel ?? null,
    captured_amount: decision.capturedAmount, advice: decision.advice, revoke_goods_first: decision.revokeGoodsFirst,
    shadow_action: decision.shadowAction, reason_message: decision.reasonMessage,
  }));
  const result = await client.query<{ decision_id: string }>(
    `INSERT INTO refund_decisions (decision_id, tenant_id, payment_id, flag_id, flag_type, action, status, amount, currency,
                                   reason, idempotency_key, decided_by, severity, order_id, payer_id, merchant_id, channel,
                                   captured_amount, advice, revoke_goods_first, shadow_action, reason_message, approved_at, created_at, updated_at)
     SELECT d.*, CASE WHEN d.status = 'approved' THEN $2::timestamptz END, $2, $2
       FROM jsonb_to_recordset($1::jsonb)
            AS d(decision_id uuid, tenant_id text, payment_id text, flag_id text, flag_type text, action text, status text, amount bigint,
                 currency text, reason text, idempotency_key text, decided_by text, severity text, order_id text, payer_id text,
                 merchant_id text, channel text, captured_amount bigint, advice text, revoke_goods_first boolean, shadow_action text,
                 reason_message jsonb)
     ON CONFLICT (tenant_id, payment_id) DO NOTHING
     RETURNING decision_id`,
    [JSON.stringify(rows), now],
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
