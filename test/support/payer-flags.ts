import { createHash, randomUUID } from 'node:crypto';
import { Flag } from '@backstop/contracts';
import { transitionDecisions } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import { examplePaymentData } from '@backstop/testkit';
import { recordFlags } from '../../services/refund-worker/src/store/record-flags';

const flagIdOf = (type: string, tenantId: string, paymentId: string) =>
  `flg_${createHash('sha256').update(`${type}|${tenantId}|${paymentId}`).digest('hex').slice(0, 32)}`;

/** A payer who paid one order twice, a minute apart, flagged as the detector flags it (v2). */
export function paidTwiceFlag(tenantId: string, { amount = 3000, currency = 'CNY', at = new Date('2026-11-26T02:02:00Z') } = {}): Flag {
  const id = randomUUID().slice(0, 12);
  const first = examplePaymentData(`${id}a`, { orderId: `ord_${id}`, payerId: `u_${id}`, amount, unitPrice: amount, currency });
  const second = { ...first, paymentId: `pay_${id}b` };
  const firstAt = at.toISOString();
  const secondAt = new Date(at.getTime() + 60_000).toISOString();
  const payment = { eventId: `evt_${id}b`, ...second, quantity: 1, occurredAt: secondAt };
  const fund = (p: typeof first, occurredAt: string) => ({ paymentId: p.paymentId, amount: p.amount, currency: p.currency, channel: p.channel, occurredAt });
  const order = (p: typeof first) => ({ orderId: p.orderId, paymentId: p.paymentId, merchantId: p.merchantId, kind: p.kind, sku: p.sku, category: p.category, quantity: 1, unitPrice: p.unitPrice, recipientAccount: p.recipientAccount, recipientVerified: true });
  return Flag.parse({
    v: 2,
    flagId: flagIdOf('duplicate.exact', tenantId, payment.paymentId),
    tenantId,
    type: 'duplicate.exact',
    severity: 'high',
    confidence: 0.99,
    payment,
    evidence: {
      fundFlow: [fund(first, firstAt), fund(second, secondAt)],
      orderFlow: [order(first), order(second)],
      informationFlow: {
        rule: 'duplicate.exact',
        summary: `Order ${first.orderId} was paid 2 times`,
        message: { key: 'duplicate.exact', params: { orderId: first.orderId, payments: 2, paidTotal: { amount: 2 * amount, currency }, orderAmount: { amount, currency } } },
        thresholds: { maxPaymentsPerOrder: 1 },
        observed: { payments: 2 },
      },
    },
    receivedAt: secondAt,
    flaggedAt: new Date(at.getTime() + 60_400).toISOString(),
  });
}

/** Records flags as the refund worker does: flag, decision by the tenant's policy, audit row. */
export async function recordAsRefundWorker(pool: Pool, flags: Flag[]): Promise<void> {
  await inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
}

/** The platform's outcome of a refund, as it moves the decision through the ledger. */
export async function moveDecision(pool: Pool, tenantId: string, flag: Flag, from: string[], to: 'sent' | 'succeeded' | 'rejected'): Promise<void> {
  const found = await pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', [tenantId, flag.payment.paymentId]);
  await inTransaction(pool, (client) => transitionDecisions(client, [{
    tenantId, decisionId: found.rows[0]!.decision_id, from: from as never, to, actor: 'test', ...(to === 'succeeded' ? { confirmedAmount: flag.payment.amount } : {}),
  }], new Date()));
}
