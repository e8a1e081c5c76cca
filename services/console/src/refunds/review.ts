import { enqueueRefundCommands, transitionDecisions } from '@backstop/ledger';
import { Problem } from '@backstop/http';
import { formatMoney } from '@backstop/messages';
import { inTransaction, type Pool } from '@backstop/postgres';
import { REFUNDS_ELSEWHERE_OF_D } from './refunded-elsewhere';

/**
 * A reviewer approves or rejects a pending decision. Approval re-checks the captured-amount
 * cap (the platform may have refunded on its own meanwhile) and writes the refund command to
 * the outbox in the same transaction.
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
    const found = await client.query<{ tenant_id: string; status: string; amount: number; currency: string; captured_amount: number | null; refunded_elsewhere: number }>(
      `SELECT d.tenant_id, d.status, d.amount, d.currency, d.captured_amount,
              coalesce((SELECT sum(r.amount) ${REFUNDS_ELSEWHERE_OF_D}), 0)::bigint AS refunded_elsewhere
         FROM refund_decisions d WHERE d.decision_id = $1 AND ($2::text IS NULL OR d.tenant_id = $2)`,
      [decisionId, tenantId],
    );
    const decision = found.rows[0];
    if (!decision) throw new Problem(404, 'decision-not-found', 'No such decision');
    if (decision.status !== 'pending_review') {
      throw new Problem(409, 'decision-not-pending', 'Decision is not pending review', `It is ${decision.status}.`);
    }
    if (verdict === 'approve' && decision.captured_amount !== null && decision.amount + decision.refunded_elsewhere > decision.captured_amount) {
      const money = (amount: number) => ({ amount: Number(amount), currency: decision.currency });
      throw new Problem(409, 'exceeds-captured', 'Refund would exceed the captured amount',
        `The platform already refunded ${formatMoney(decision.refunded_elsewhere, decision.currency)} of the ${formatMoney(decision.captured_amount, decision.currency)} captured, `
          + `and this decision would refund ${formatMoney(decision.amount, decision.currency)} more; reject it.`,
        { captured: money(decision.captured_amount), refundedElsewhere: money(decision.refunded_elsewhere), decided: money(decision.amount) });
    }
    const applied = await transitionDecisions(client, [{
      tenantId: decision.tenant_id, decisionId, from: ['pending_review'], to: verdict === 'approve' ? 'approved' : 'rejected', actor,
    }], new Date());
    if (applied.length === 0) throw new Problem(409, 'decision-not-pending', 'Decision is not pending review');
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
