import { describe, expect, it } from 'vitest';
import type { CheckAnswer, WebhookEvent } from '@backstop/contracts';
import { postCheck, postEvent } from '../ingest/harness';
import { eventually } from '../support/wait';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { checkingStack } from './checking-stack';
import { intentFor } from './intents';

/**
 * The path after a check said `confirm`: the user confirms, the platform charges and its
 * webhook carries the check's intentId. The detector's flag on that payment records that the
 * user was warned and confirmed, and the refund policy sends it to review instead of refunding
 * it automatically, while the same mistake made without a warning is refunded as ever.
 */
describe('a payment the user confirmed after a check warned them', () => {
  const tenantId = 'cardshop';
  const checking = checkingStack({ tenants: { [tenantId]: 'Card shop' }, services: ['detector', 'refund-worker'] });

  const post = async (event: WebhookEvent) => expect((await postEvent(checking.ingest.app, tenantId, checking.secrets[tenantId]!, event)).statusCode).toBe(202);
  const paymentIdOf = (event: WebhookEvent) => (event.type === 'payment.succeeded' ? event.data.paymentId : '');

  async function decisionOf(paymentId: string) {
    return eventually(async () => {
      const { rows } = await checking.stack.pool.query(
        `SELECT d.action, d.status, d.reason_message, f.evidence FROM refund_decisions d JOIN flags f USING (tenant_id, flag_id) WHERE d.tenant_id = $1 AND d.payment_id = $2`,
        [tenantId, paymentId],
      );
      return rows[0] as { action: string; status: string; reason_message: { params: { because?: { key: string } } }; evidence: { informationFlow: Record<string, unknown> } } | undefined;
    }, { timeoutMs: 60_000, what: `the decision on ${paymentId}` });
  }

  it('records the confirmed warning on the flag and sends the refund to review; the unwarned twin is refunded', async () => {
    const payerId = uniqueId('u');
    const orderId = uniqueId('ord');
    await post(paymentEvent({ payerId, orderId }, new Date(Date.now() - 8000)));
    const intent = intentFor({ payerId, orderId });
    const answer = await eventually(async () => {
      const checked = (await postCheck(checking.ingest.app, tenantId, checking.secrets[tenantId]!, intent)).json() as CheckAnswer;
      return checked.verdict === 'confirm' ? checked : undefined;
    }, { timeoutMs: 60_000, what: 'the check to see the first payment' });
    expect(answer.reasons.map((reason) => reason.code)).toEqual(['duplicate.recent_same_order']);

    const confirmed = paymentEvent({ payerId, orderId, intentId: intent.intentId });
    await post(confirmed);

    // The same mistake, made by another payer without a check.
    const otherPayer = uniqueId('u');
    const otherOrder = uniqueId('ord');
    await post(paymentEvent({ payerId: otherPayer, orderId: otherOrder }, new Date(Date.now() - 8000)));
    const unwarned = paymentEvent({ payerId: otherPayer, orderId: otherOrder });
    await post(unwarned);

    const warnedDecision = await decisionOf(paymentIdOf(confirmed));
    expect(warnedDecision.evidence.informationFlow.confirmedWarning).toMatchObject({ intentId: intent.intentId, reasons: ['duplicate.recent_same_order'], coversFlag: true });
    expect(warnedDecision).toMatchObject({ action: 'review', status: 'pending_review', reason_message: { params: { because: { key: 'guard.warned_and_confirmed' } } } });

    const unwarnedDecision = await decisionOf(paymentIdOf(unwarned));
    expect(unwarnedDecision.evidence.informationFlow.confirmedWarning).toBeUndefined();
    expect(unwarnedDecision).toMatchObject({ action: 'auto_refund' });
  });
});
