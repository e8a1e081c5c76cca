import { z } from 'zod';
import { TenantId } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';
import { MinorUnitsSum } from './reconciliation';

export const MismatchQuery = z.strictObject({
  tenant: TenantId.optional(),
  /** How long an approved refund may go unconfirmed before it counts as a mismatch. */
  slaHours: z.coerce.number().positive().max(24 * 90).default(24),
  /** Per kind of mismatch. */
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export type MismatchQuery = z.infer<typeof MismatchQuery>;

export const mismatchKinds = [
  'unconfirmed_past_sla', 'amount_mismatch', 'currency_mismatch', 'over_refund', 'outcome_for_unsent_decision', 'failure_after_success',
  'confirmation_without_decision', 'refunded_outside_backstop',
] as const;
export type MismatchKind = (typeof mismatchKinds)[number];

export const Mismatch = z.object({
  kind: z.enum(mismatchKinds),
  tenantId: z.string(),
  paymentId: z.string(),
  decisionId: z.string().nullable().describe('Backstop\'s decision on the charge, if it has one.'),
  claimedDecisionId: z.string().nullable().describe(
    'The `decisionId` the platform\'s event carried, exactly as sent (for `confirmation_without_decision`, the id Backstop does not know); '
    + 'null when the row is not about one event or the event carried none.',
  ),
  outcome: z.enum(['succeeded', 'failed']).nullable().describe('What the platform\'s event reported, when the row is about one event.'),
  status: z.string().nullable(),
  decidedAmount: z.number().nullable().describe('In `currency`.'),
  reportedAmount: z.number().nullable().describe('What the platform reported, in `reportedCurrency`.'),
  reportedCurrency: z.string().nullable().describe('The currency of `reportedAmount`; set exactly when it is.'),
  refundedTotal: MinorUnitsSum.nullable().describe(
    'For `over_refund`: every distinct successful refund of the charge in `currency`, Backstop\'s and the platform\'s own, summed.',
  ),
  capturedAmount: z.number().nullable().describe('The charge\'s captured amount, in `currency`, where the decision knows it.'),
  currency: z.string().describe('The decision\'s currency, or the event\'s where there is no decision.'),
  at: z.iso.datetime().describe('When the decision was approved or confirmed, or when the platform\'s event (for `over_refund`, the latest refund) happened.'),
  eventId: z.string().nullable(),
});
export type Mismatch = z.infer<typeof Mismatch>;

interface MismatchRow {
  kind: MismatchKind;
  tenant_id: string;
  payment_id: string;
  decision_id: string | null;
  claimed_decision_id: string | null;
  outcome: 'succeeded' | 'failed' | null;
  status: string | null;
  decided_amount: number | null;
  reported_amount: number | null;
  reported_currency: string | null;
  /** Text: a sum may pass 2^53, which the int8 reader refuses. */
  refunded_total: string | null;
  captured_amount: number | null;
  currency: string;
  at: Date;
  event_id: string | null;
}

/**
 * Where Backstop's books and the platform's reports disagree: refunds approved but not
 * confirmed within the SLA; confirmations of another amount than decided; outcomes naming a
 * decision of another currency (which never move it), and the platform's own refunds of a
 * decided charge in another currency; charges refunded beyond what the decision gave back or
 * the charge captured; outcomes naming a decision Backstop had not approved when they came;
 * failures reported after a success of the same decision; outcomes naming a decision Backstop
 * does not have; and refunds the platform made on its own of a charge Backstop had flagged.
 */
/** The eight kinds in one statement; $1 tenant (or null), $2 now, $3 SLA hours, $4 limit per kind. */
export const mismatchSql = `(SELECT 'unconfirmed_past_sla' AS kind, tenant_id, payment_id, decision_id, NULL::text AS claimed_decision_id, NULL::text AS outcome, status,
             amount AS decided_amount, NULL::bigint AS reported_amount, NULL::text AS reported_currency, NULL::text AS refunded_total, captured_amount,
             currency::text AS currency, approved_at AS at, NULL::text AS event_id
        FROM refund_decisions
       WHERE status IN ('approved', 'sent') AND ($1::text IS NULL OR tenant_id = $1) AND approved_at < $2::timestamptz - $3 * interval '1 hour'
       ORDER BY approved_at LIMIT $4)
     UNION ALL
     (SELECT 'amount_mismatch', d.tenant_id, d.payment_id, d.decision_id, NULL, NULL, d.status,
             d.amount, d.confirmed_amount, d.currency::text, NULL, d.captured_amount, d.currency::text, d.confirmed_at, NULL
        FROM refund_decisions d
       WHERE d.status = 'succeeded' AND d.confirmed_amount <> d.amount AND ($1::text IS NULL OR d.tenant_id = $1)
       ORDER BY d.confirmed_at LIMIT $4)
     UNION ALL
     (SELECT 'currency_mismatch', r.tenant_id, r.payment_id, d.decision_id, r.claimed_decision_id, r.outcome, d.status,
             d.amount, r.amount, r.currency::text, NULL, d.captured_amount, d.currency::text, r.occurred_at, r.event_id
        -- The outcomes naming the decision, and the platform's own refunds of its charge: a
        -- charge is refunded in its own currency, so neither counts against it in another.
        FROM refund_outcomes r JOIN refund_decisions d ON d.tenant_id = r.tenant_id AND d.payment_id = r.payment_id
       WHERE r.currency <> d.currency AND ($1::text IS NULL OR r.tenant_id = $1)
         AND (r.decision_id = d.decision_id OR (r.claimed_decision_id IS NULL AND r.outcome = 'succeeded'))
       ORDER BY r.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'over_refund', d.tenant_id, d.payment_id, d.decision_id, latest.claimed_decision_id, latest.outcome, d.status,
             d.amount, latest.amount, latest.currency::text, t.total::text, d.captured_amount, d.currency::text, latest.occurred_at, latest.event_id
        -- Each charge's succeeded refunds, one refund counted once however many events reported
        -- it (by its refundId, else its event), per currency: two currencies do not add up.
        FROM (SELECT u.tenant_id, u.payment_id, u.currency, sum(u.amount) AS total, coalesce(sum(u.amount) FILTER (WHERE u.named), 0) AS named_total
                FROM (SELECT tenant_id, payment_id, currency, max(amount) AS amount, bool_or(decision_id IS NOT NULL) AS named
                        FROM refund_outcomes
                       WHERE outcome = 'succeeded' AND ($1::text IS NULL OR tenant_id = $1)
                       GROUP BY tenant_id, payment_id, currency, coalesce('refund:' || refund_id, 'event:' || event_id)) u
               GROUP BY u.tenant_id, u.payment_id, u.currency) t
        JOIN refund_decisions d ON d.tenant_id = t.tenant_id AND d.payment_id = t.payment_id AND d.currency = t.currency
        CROSS JOIN LATERAL (
          SELECT r.claimed_decision_id, r.outcome, r.amount, r.currency, r.occurred_at, r.event_id
            FROM refund_outcomes r
           WHERE r.tenant_id = d.tenant_id AND r.payment_id = d.payment_id AND r.outcome = 'succeeded' AND r.currency = d.currency
           ORDER BY r.occurred_at DESC, r.event_id DESC LIMIT 1
        ) latest
       WHERE t.named_total > d.amount OR t.total > d.captured_amount
       ORDER BY latest.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'outcome_for_unsent_decision', r.tenant_id, r.payment_id, d.decision_id, r.claimed_decision_id, r.outcome, d.status,
             d.amount, r.amount, r.currency::text, NULL, d.captured_amount, d.currency::text, r.occurred_at, r.event_id
        -- Not approved when the outcome was recorded: still in review, rejected or a shadow's
        -- then (a success settled it all the same), or approved only afterwards.
        FROM refund_outcomes r JOIN refund_decisions d ON d.decision_id = r.decision_id
       WHERE r.currency = d.currency AND (d.approved_at IS NULL OR d.approved_at > r.recorded_at) AND ($1::text IS NULL OR r.tenant_id = $1)
       ORDER BY r.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'failure_after_success', r.tenant_id, r.payment_id, d.decision_id, r.claimed_decision_id, r.outcome, d.status,
             d.amount, r.amount, r.currency::text, NULL, d.captured_amount, d.currency::text, r.occurred_at, r.event_id
        -- A failure recorded after a success of the same decision changed nothing; one recorded
        -- before it, or with it but happened earlier, is the attempt the platform then retried.
        FROM refund_outcomes r JOIN refund_decisions d ON d.decision_id = r.decision_id
       WHERE r.outcome = 'failed' AND r.currency = d.currency AND d.status = 'succeeded' AND ($1::text IS NULL OR r.tenant_id = $1)
         AND EXISTS (SELECT 1 FROM refund_outcomes s
                      WHERE s.tenant_id = r.tenant_id AND s.payment_id = r.payment_id AND s.decision_id = r.decision_id
                        AND s.outcome = 'succeeded' AND s.currency = d.currency
                        AND (s.recorded_at, s.occurred_at) <= (r.recorded_at, r.occurred_at))
       ORDER BY r.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'confirmation_without_decision', r.tenant_id, r.payment_id, NULL, r.claimed_decision_id, r.outcome, NULL,
             NULL, r.amount, r.currency::text, NULL, NULL, r.currency::text, r.occurred_at, r.event_id
        FROM refund_outcomes r
       WHERE r.claimed_decision_id IS NOT NULL AND r.decision_id IS NULL AND ($1::text IS NULL OR r.tenant_id = $1)
       ORDER BY r.occurred_at LIMIT $4)
     UNION ALL
     (SELECT 'refunded_outside_backstop', r.tenant_id, r.payment_id, d.decision_id, NULL, r.outcome, d.status,
             d.amount, r.amount, r.currency::text, NULL, d.captured_amount, coalesce(d.currency, r.currency)::text, r.occurred_at, r.event_id
        FROM refund_outcomes r
        LEFT JOIN refund_decisions d ON d.tenant_id = r.tenant_id AND d.payment_id = r.payment_id
       WHERE r.outcome = 'succeeded' AND r.claimed_decision_id IS NULL AND ($1::text IS NULL OR r.tenant_id = $1)
         AND (d.currency IS NULL OR r.currency = d.currency)
         AND EXISTS (SELECT 1 FROM flags f WHERE f.tenant_id = r.tenant_id AND f.payment_id = r.payment_id)
       ORDER BY r.occurred_at LIMIT $4)`;

export async function findMismatches(pool: Pool, query: MismatchQuery, now: Date): Promise<Mismatch[]> {
  const result = await pool.query<MismatchRow>(mismatchSql, [query.tenant ?? null, now, query.slaHours, query.limit]);
  return result.rows.map((row) => ({
    kind: row.kind, tenantId: row.tenant_id, paymentId: row.payment_id, decisionId: row.decision_id, claimedDecisionId: row.claimed_decision_id,
    outcome: row.outcome, status: row.status, decidedAmount: row.decided_amount, reportedAmount: row.reported_amount, reportedCurrency: row.reported_currency,
    refundedTotal: row.refunded_total, capturedAmount: row.captured_amount, currency: row.currency, at: row.at.toISOString(), eventId: row.event_id,
  }));
}
