import type { PayerAnswer, PayerAnswerChoice } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import { appendToChains } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { LinkClaims } from './link-token';

/**
 * Records the payer's answer on a flag under review, once: into the flag's information flow
 * (which the review queue shows with the evidence) and onto the decision's audit trail. It
 * never moves the decision: a reviewer still approves or rejects the refund.
 */
export async function recordPayerAnswer(pool: Pool, link: LinkClaims, answer: PayerAnswerChoice, now: Date): Promise<PayerAnswer> {
  return inTransaction(pool, async (client) => {
    // Locked as a reviewer's transition locks it, so a verdict cannot slip in between.
    const found = await client.query<{ decision_id: string; payment_id: string; status: string; amount: number; currency: string }>(
      `SELECT d.decision_id, d.payment_id, d.status, d.amount, d.currency
         FROM flags f JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id
        WHERE f.tenant_id = $1 AND f.flag_id = $2
        FOR NO KEY UPDATE OF d`,
      [link.tenantId, link.flagId],
    );
    const decision = found.rows[0];
    if (decision?.status !== 'pending_review') {
      throw new Problem(409, 'not-under-review', 'Nobody is reviewing this payment now', 'An answer is taken only while the payment is under review.');
    }
    const inserted = await client.query(
      `INSERT INTO payer_answers (tenant_id, flag_id, link_id, answer, answered_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (tenant_id, flag_id) DO NOTHING`,
      [link.tenantId, link.flagId, link.linkId, answer, now],
    );
    if (!inserted.rowCount) throw new Problem(409, 'already-answered', 'Already answered', 'The payer answered about this payment before.');
    const recorded: PayerAnswer = { answer, answeredAt: now.toISOString(), linkId: link.linkId };
    await client.query(
      `UPDATE flags SET evidence = jsonb_set(evidence, '{informationFlow,payerAnswer}', $3::jsonb) WHERE tenant_id = $1 AND flag_id = $2`,
      [link.tenantId, link.flagId, JSON.stringify(recorded)],
    );
    await appendToChains(client, [{
      tenantId: link.tenantId, decisionId: decision.decision_id, paymentId: decision.payment_id, from: 'pending_review', to: 'pending_review',
      amount: decision.amount, currency: decision.currency, actor: `payer-link:${link.linkId}`, at: now.toISOString(), payerAnswer: answer,
    }]);
    return recorded;
  });
}
