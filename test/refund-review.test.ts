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

  const pendingDecision = async (currency = 'CNY') => {
    const flag = paidTwiceFlag('shop', { amount: 3_000, currency });
    await recordAsRefundWorker(db.pool, [flag]);
    const { decision_id: decisionId } = (await db.pool.query<{ decision_id: string }>(
      "SELECT decision_id FROM refund_decisions WHERE payment_id = $1 AND status = 'pending_review'", [flag.payment.paymentId])).rows[0]!;
    return { flag, decisionId };
  };
  let refundSequence = 0;
  const refunded = (flag: { payment: { paymentId: string } }, amount: number | string, currency: string, decisionId: string | null = null) => {
    refundSequence += 1;
    return db.pool.query(
      "INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, decision_id, claimed_decision_id, amount, currency, occurred_at) VALUES ('shop', $1, 'succeeded', $2, $3::uuid, $3::text, $4, $5, now())",
      [`evt_refund_${refundSequence}`, flag.payment.paymentId, decisionId, amount, currency],
    );
  };
  const approve = (decisionId: string) => reviewDecision(db.pool, 'shop', decisionId, 'approve', 'reviewer').then(() => undefined, (error: unknown) => error);
  const afterwards = async (decisionId: string) => (await db.pool.query(
    'SELECT d.status, (SELECT count(*)::int FROM refund_outbox o WHERE o.decision_id = d.decision_id) AS commands FROM refund_decisions d WHERE d.decision_id = $1', [decisionId])).rows[0];

  it('counts a refund that named this very decision, so the charge is not paid back twice', async () => {
    const { flag, decisionId } = await pendingDecision();
    await refunded(flag, 3_000, 'CNY', decisionId);
    const refusal = await approve(decisionId);
    expect(refusal).toBeInstanceOf(Problem);
    expect((refusal as Problem).toJSON()).toMatchObject({ status: 409, refundedElsewhere: { amount: 3_000, currency: 'CNY' } });
    expect(await afterwards(decisionId)).toEqual({ status: 'pending_review', commands: 0 });
  });

  it('does not count a refund in another currency against the charge', async () => {
    const { flag, decisionId } = await pendingDecision();
    await refunded(flag, 2_000, 'JPY');
    expect(await approve(decisionId)).toBeUndefined();
    expect(await afterwards(decisionId)).toEqual({ status: 'approved', commands: 1 });
  });

  it('refuses, without failing, when the refunds add up past 2^53', async () => {
    const { flag, decisionId } = await pendingDecision();
    await refunded(flag, '9007199254740991', 'CNY');
    await refunded(flag, '9007199254740991', 'CNY');
    const refusal = await approve(decisionId);
    expect(refusal).toBeInstanceOf(Problem);
    expect((refusal as Problem).toJSON()).toMatchObject({ status: 409, detail: expect.stringContaining('CN¥180,143,985,094,819.82') });
    expect(await afterwards(decisionId)).toEqual({ status: 'pending_review', commands: 0 });
  });
});
