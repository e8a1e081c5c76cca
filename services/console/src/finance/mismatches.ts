import { z } from 'zod';
import { TenantId } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';

export const MismatchQuery = z.strictObject({
  tenant: TenantId.optional(),
  /** How long an approved refund may go unconfirmed before it counts as a mismatch. */
  slaHours: z.coerce.number().positive().max(24 * 90).default(24),
  /** Per kind of mismatch. */
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type MismatchQuery = z.infer<typeof MismatchQuery>;

export const mismatchKinds = ['unconfirmed_past_sla', 'amount_mismatch', 'confirmation_without_decision', 'refunded_outside_backstop'] as const;
export type MismatchKind = (typeof mismatchKinds)[number];

export const Mismatch = z.object({
  kind: z.enum(mismatchKinds),
  tenantId: z.string(),
  paymentId: z.string(),
  decisionId: z.string().nullable(),
  status: z.string().nullable(),
  decidedAmount: z.number().nullable(),
  reportedAmount: z.number().nullable(),
  currency: z.string(),
  at: z.iso.datetime().describe('When the decision was approved, or when the platform\'s event happened.'),
  eventId: z.string().nullable(),
});
export type Mismatch = z.infer<typeof Mismatch>;

interface MismatchRow {
  kind: MismatchKind;
  tenant_id: string;
  payment_id: string;
  decision_id: string | null;
  status: string | null;
  decided_amount: number | null;
  reported_amount: number | null;
  currency: string;
  at: Date;
  event_id: string | null;
}

/**
 * Where Backstop's books and the platform's reports disagree: refunds approved but not
 * confirmed within the SLA; confirmations of another amount than decided; confirmations
 * naming a decision Backstop does not have; and refunds the platform made on its own of a
 * charge Backstop had flagged.
 */
/** The four kinds in one statement; $1 tenant (or null), $2 now, $3 SLA hours, $4 limit per kind. */
export const mismatchSql = `(SELECT 'unconfirmed_past_sla' AS kind, tenant_id, payment_id, decision_id, status, amount AS decided_amount, NULL::bigint AS reported_amount,
             currency::text AS currency, approved_at AS at, NULL AS event_id
        FROM refund_decisions
       WHERE status IN ('approved', 'sent') AND ($1::text IS NULL OR tenant_id = $1) AND approved_at < $2::timestamptz - $3 * interval '1 hour'
       ORDER BY approved_at LIMIT $4)
     UNION ALL
     (SELECT 'amount_mismatch', d.tenant_id, d.payment_id, d.decision_id, d.status, d.amount, d.confirmed_amount, d.currency::text, d.confirmed_at, NULL
        FROM refund_decisions d
       WHERE d.status = 'succeeded' AND d.confirmed_amount <> d.amount AND ($1::text IS NULL OR d.tenant_id = $1)
       ORDER BY d.confirmed_at LIMIT $4)
     UNION ALL
     (SELECT 'confirmation_without_decision', r.tenant_id, r.payment_id, NULL, NULL, NULL, r.amount, r.currency::text, r.occurred_at, r.event_id
        FROM refund_outcomes r
       WHERE r.claimed_decision_id IS NOT NULL AND r.decision_id IS NULL AND ($1::text IS NULL OR r.tenant_id = $1)
       ORDER BY r.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'refunded_outside_backstop', r.tenant_id, r.payment_id, d.decision_id, d.status, d.amount, r.amount, r.currency::text, r.occurred_at, r.event_id
        FROM refund_outcomes r
        LEFT JOIN refund_decisions d ON d.tenant_id = r.tenant_id AND d.payment_id = r.payment_id
       WHERE r.outcome = 'succeeded' AND r.claimed_decision_id IS NULL AND ($1::text IS NULL OR r.tenant_id = $1)
         AND EXISTS (SELECT 1 FROM flags f WHERE f.tenant_id = r.tenant_id AND f.payment_id = r.payment_id)
       ORDER BY r.occurred_at LIMIT $4)`;

export async function findMismatches(pool: Pool, query: MismatchQuery, now: Date): Promise<Mismatch[]> {
  const result = await pool.query<MismatchRow>(mismatchSql, [query.tenant ?? null, now, query.slaHours, query.limit]);
  return result.rows.map((row) => ({
    kind: row.kind, tenantId: row.tenant_id, paymentId: row.payment_id, decisionId: row.decision_id, status: row.status,
    decidedAmount: row.decided_amount, reportedAmount: row.reported_amount, currency: row.currency, at: row.at.toISOString(), eventId: row.event_id,
  }));
}
