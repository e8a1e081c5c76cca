import { enqueueRefundCommands, transitionDecisions } from '@backstop/ledger';
import { Problem } from '@backstop/http';
import { formatMoney } from '@backstop/messages';
import { inTransaction, type Pool } from '@backstop/postgres';

/**
 * A reviewer approves or rejects a pending decision. Approval re-checks the captured-amount
 * cap (the platform may have refunded on its own meanwhile) and writes the refund command to
 * the outbox in the same transaction. A refund the platform reported naming this very decision
 * has already moved it out of review (the refund worker settles it), so approving it is refused
 * as not pending.
 */
export type Verdict = 'approve' | 'reject' | 'false-positive';

export async function reviewDecision(
  pool: Pool,
  tenantId: string | null,
  decisionId: string,
  verdict: Verdict,
  actor: string,
  note?: string,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    const found = await client.query<{ tenant_id: string; status: string; amount: number; currency: string; captured_amount: number | null; refunded: string; exceeds: boolean }>(
      // Every distinct successful refund of the charge in the decision's currency, whichever
      // decision it named or none: the money went back either way. The sum is compared in SQL
      // and read as text, since many refunds may add up past what the int8 reader accepts.
      `SELECT d.tenant_id, d.status, d.amount, d.currency, d.captured_amount, r.refunded::text AS refunded,
              coalesce(d.amount + r.refunded > d.captured_amount, false) AS exceeds
         FROM refund_decisions d
         CROSS JOIN LATERAL (
           SELECT coalesce(sum(u.amount), 0) AS refunded
             FROM (SELECT max(o.amount) AS amount FROM refund_outcomes o
                    WHERE o.tenant_id = d.tenant_id AND o.payment_id = d.payment_id AND o.outcome = 'succeeded' AND o.currency = d.currency
                    GROUP BY coalesce('refund:' || o.refund_id, 'event:' || o.event_id)) u
         ) r
        WHERE d.decision_id = $1 AND ($2::text IS NULL OR d.tenant_id = $2)`,
      [decisionId, tenantId],
    );
    const decision = found.rows[0];
    if (!decision) throw new Problem(404, 'decision-not-found', 'No such decision');
    if (decision.status !== 'pending_review') {
      throw new Problem(409, 'decision-not-pending', 'Decision is not pending review', `It is ${decision.status}.`);
    }
    if (verdict === 'approve' && decision.captured_amount !== null && decision.exceeds) {
      const money = (amount: number | string) => ({ amount: Number(amount), currency: decision.currency });
      throw new Problem(409, 'exceeds-captured', 'Refund would exceed the captured amount',
        `The platform already refunded ${formatMoney(decision.refunded, decision.currency)} of the ${formatMoney(decision.captured_amount, decision.currency)} captured, `
          + `and this decision would refund ${formatMoney(decision.amount, decision.currency)} more; reject it.`,
        { captured: money(decision.captured_amount), refundedElsewhere: money(decision.refunded), decided: money(decision.amount) });
    }
    const applied = await transitionDecisions(client, [{
      tenantId: decision.tenant_id, decisionId, from: ['pending_review'], to: verdict === 'approve' ? 'approved' : 'rejected', actor,
      ...(note ? { reason: note } : {}), ...(verdict === 'false-positive' ? { falsePositive: true as const } : {}),
    }], new Date());
    if (applied.length === 0) {
      // Another reviewer's verdict committed between this one's read and its update; what it is
      // now is read again, as the sequential refusal above says it.
      const now = await client.query<{ status: string }>('SELECT status FROM refund_decisions WHERE decision_id = $1', [decisionId]);
      throw new Problem(409, 'decision-not-pending', 'Decision is not pending review',
        `It is ${now.rows[0]?.status ?? 'gone'}: another reviewer decided it a moment before this request. Reload it to see the verdict.`);
    }
    if (verdict === 'approve') await enqueueRefundCommands(client, [decisionId]);
    if (note) await client.query('UPDATE refund_decisions SET review_note = $2 WHERE decision_id = $1', [decisionId, note]);
    if (verdict === 'false-positive') {
      await client.query(
        'UPDATE flags f SET false_positive = true FROM refund_decisions d WHERE d.decision_id = $1 AND f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id',
        [decisionId],
      );
    }
  });
}
