import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Problem } from '@backstop/http';
import { saveRefundPolicy } from '@backstop/ledger';
import { createTenant } from '@backstop/tenancy';
import { reviewDecision } from '../services/console/src/refunds/review';
import { createIsolatedDatabase } from './support/database';
import { paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';

describe('approving a decision the platform has meanwhile refunded on its own', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    await createTenant(db.pool, { tenantId: 'shop', name: 'shop' });
    await saveRefundPolicy(db.pool, 'shop', { v: 1, rules: { 'duplicate.exact': { action: 'review' } } }, 'test');
  }, 60_000);

  afterAll(async () => {
    await db?.close();
  });

  const cases = [
    { currency: 'CNY', amount: 3_000, refunded: 2_000, detail: 'The platform already refunded CN¥20.00 of the CN¥30.00 captured, and this decision would refund CN¥30.00 more; reject it.' },
    { currency: 'JPY', amount: 3_000, refunded: 2_000, detail: 'The platform already refunded ¥2,000 of the ¥3,000 captured, and this decision would refund ¥3,000 more; reject it.' },
    { currency: 'KWD', amount: 3_000, refunded: 2_000, detail: 'The platform already refunded KWD\u00a02.000 of the KWD\u00a03.000 captured, and this decision would refund KWD\u00a03.000 more; reject it.' },
  ];

  for (const { currency, amount, refunded, detail } of cases) {
    it(`is refused with the amounts in ${currency}'s own units, and changes nothing`, async () => {
      const flag = paidTwiceFlag('shop', { amount, currency });
      await recordAsRefundWorker(db.pool, [flag]);
      const { decision_id: decisionId } = (await db.pool.query<{ decision_id: string }>(
        "SELECT decision_id FROM refund_decisions WHERE payment_id = $1 AND status = 'pending_review'", [flag.payment.paymentId])).rows[0]!;
      await db.pool.query(
        "INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, amount, currency, occurred_at) VALUES ('shop', $1, 'succeeded', $2, $3, $4, now())",
        [`evt_platform_${decisionId}`, flag.payment.paymentId, refunded, currency],
      );

      const refusal = await reviewDecision(db.pool, 'shop', decisionId, 'approve', 'reviewer').then(() => undefined, (error: unknown) => error);
      expect(refusal).toBeInstanceOf(Problem);
      expect((refusal as Problem).toJSON()).toMatchObject({
        status: 409,
        detail,
        captured: { amount, currency },
        refundedElsewhere: { amount: refunded, currency },
        decided: { amount, currency },
      });
      const after = await db.pool.query('SELECT d.status, (SELECT count(*)::int FROM refund_outbox o WHERE o.decision_id = d.decision_id) AS commands FROM refund_decisions d WHERE d.decision_id = $1', [decisionId]);
      expect(after.rows[0]).toEqual({ status: 'pending_review', commands: 0 });
    });
  }
});
