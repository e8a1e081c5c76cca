import type { DecisionStatus } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';
import { appendToChains, type AuditChange } from './audit-chain';

export interface Transition {
  tenantId: string;
  decisionId: string;
  /** The statuses the decision may be in for this change to apply; otherwise it is skipped. */
  from: readonly DecisionStatus[];
  to: DecisionStatus;
  actor: string;
  /** For succeeded / failed: the amount the platform reported. */
  confirmedAmount?: number;
  /** Recorded in the audit trail with the change: see AuditContent. */
  reason?: string;
  falsePositive?: true;
  refundId?: string;
}

/** The facts of a transition the audit trail keeps beside its statuses, only those present. */
function auditedFacts(transition: Transition | undefined): Pick<AuditChange, 'reason' | 'falsePositive' | 'confirmedAmount' | 'refundId'> {
  if (!transition) return {};
  const { reason, falsePositive, confirmedAmount, refundId } = transition;
  return {
    ...(reason !== undefined ? { reason } : {}),
    ...(falsePositive ? { falsePositive } : {}),
    ...(confirmedAmount !== undefined && transition.to === 'succeeded' ? { confirmedAmount } : {}),
    ...(refundId !== undefined ? { refundId } : {}),
  };
}

export interface AppliedTransition {
  tenantId: string;
  decisionId: string;
  paymentId: string;
  from: DecisionStatus;
  to: DecisionStatus;
  amount: number;
  currency: string;
}

/**
 * Moves decisions along their lifecycle and appends each change to the tenant's audit chain,
 * in the caller's transaction. A change whose decision is no longer in an allowed status
 * (already sent, already confirmed) is skipped, so replays are harmless. The decisions' row
 * locks come first and the chain's lock last, so the chain stays locked only for the append
 * and what the caller still does before committing (keep that short).
 */
export async function transitionDecisions(client: PoolClient, transitions: readonly Transition[], now: Date): Promise<AppliedTransition[]> {
  const unique = [...new Map(transitions.map((t) => [t.decisionId, t])).values()];
  if (unique.length === 0) return [];
  const result = await client.query<{ decision_id: string; tenant_id: string; payment_id: string; from_status: DecisionStatus; status: DecisionStatus; amount: number; currency: string; actor: string }>(
    `WITH wanted AS (
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::bigint[])
         AS t(tenant_id, decision_id, from_list, to_status, actor, confirmed_amount)
     ), current AS (
       SELECT d.decision_id, d.status AS from_status, w.to_status, w.actor, w.confirmed_amount
         FROM refund_decisions d JOIN wanted w ON w.decision_id = d.decision_id AND w.tenant_id = d.tenant_id
        WHERE d.status = ANY (string_to_array(w.from_list, ','))
        -- Not FOR UPDATE: outcome and outbox rows referencing a decision hold KEY SHARE on it.
        FOR NO KEY UPDATE OF d
     )
     UPDATE refund_decisions d
        SET status = c.to_status,
            updated_at = $7,
            decided_by = CASE WHEN c.to_status IN ('approved', 'rejected') THEN c.actor ELSE d.decided_by END,
            approved_at = CASE WHEN c.to_status = 'approved' THEN $7 ELSE d.approved_at END,
            sent_at = CASE WHEN c.to_status = 'sent' THEN $7 ELSE d.sent_at END,
            confirmed_at = CASE WHEN c.to_status IN ('succeeded', 'failed') THEN $7 ELSE d.confirmed_at END,
            -- Only money that came back is confirmed: a failure's amount is no refund.
            confirmed_amount = CASE WHEN c.to_status = 'succeeded' THEN COALESCE(c.confirmed_amount, d.confirmed_amount) ELSE d.confirmed_amount END
       FROM current c
      WHERE d.decision_id = c.decision_id
     RETURNING d.decision_id, d.tenant_id, d.payment_id, c.from_status, d.status, d.amount, d.currency, c.actor`,
    [
      unique.map((t) => t.tenantId), unique.map((t) => t.decisionId), unique.map((t) => t.from.join(',')),
      unique.map((t) => t.to), unique.map((t) => t.actor), unique.map((t) => t.confirmedAmount ?? null), now,
    ],
  );
  const order = new Map(unique.map((t, index) => [t.decisionId, index]));
  const applied = result.rows.sort((a, b) => order.get(a.decision_id)! - order.get(b.decision_id)!);
  const wanted = new Map(unique.map((t) => [t.decisionId, t]));
  await appendToChains(client, applied.map((row) => ({
    tenantId: row.tenant_id, decisionId: row.decision_id, paymentId: row.payment_id, from: row.from_status, to: row.status,
    amount: row.amount, currency: row.currency, actor: row.actor, at: now.toISOString(), ...auditedFacts(wanted.get(row.decision_id)),
  })));
  return applied.map((row) => ({
    tenantId: row.tenant_id, decisionId: row.decision_id, paymentId: row.payment_id, from: row.from_status, to: row.status,
    amount: row.amount, currency: row.currency,
  }));
}
