import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';

describe('recording flags: one decision per charge, shadows never in the way', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pool: Pool;
  const tenantId = 'trying';

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    pool = database.pool;
    await createTenant(pool, { tenantId, name: 'Trying a rule' });
    await saveRefundPolicy(pool, tenantId, { v: 1, rules: { 'amount.outlier': { action: 'shadow', trying: 'auto_refund' } } }, 'test');
  });

  afterAll(async () => database?.close());

  const record = (flags: Flag[]) => inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
  const decisionsOn = async (paymentId: string) =>
    (await pool.query('SELECT decision_id, status, action, shadow_action, flag_type FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', [tenantId, paymentId])).rows;
  const trail = async (decisionId: string) =>
    (await pool.query("SELECT content->>'from' AS from, content->>'to' AS to FROM decision_audit WHERE decision_id = $1 ORDER BY seq", [decisionId])).rows;

  it('a later real flag takes the place of a shadow decision on the same charge, in place', async () => {
    const outlier = buildFlag(tenantId, { type: 'amount.outlier' });
    expect(await record([outlier])).toMatchObject({ decisionsInserted: 1, approved: 0 });
    const [shadow] = await decisionsOn(outlier.payment.paymentId);
    expect(shadow).toMatchObject({ status: 'shadowed', action: 'shadow', shadow_action: 'auto_refund' });

    const duplicate = buildFlag(tenantId, { type: 'duplicate.exact', payment: outlier.payment });
    expect(await record([duplicate])).toMatchObject({ decisionsInserted: 0, shadowsReplaced: 1, approved: 1 });
    expect(await decisionsOn(outlier.payment.paymentId)).toEqual([
      { decision_id: shadow.decision_id, status: 'approved', action: 'auto_refund', shadow_action: null, flag_type: 'duplicate.exact' },
    ]);
    expect(await trail(shadow.decision_id)).toEqual([{ from: null, to: 'shadowed' }, { from: 'shadowed', to: 'approved' }]);
    expect((await pool.query('SELECT 1 FROM refund_outbox WHERE decision_id = $1', [shadow.decision_id])).rowCount).toBe(1);
  });

  it('within one batch the real decision wins over the shadow one', async () => {
    const outlier = buildFlag(tenantId, { type: 'amount.outlier' });
    const duplicate = buildFlag(tenantId, { type: 'duplicate.exact', payment: outlier.payment });
    await record([outlier, duplicate]);
    const decisions = await decisionsOn(outlier.payment.paymentId);
    expect(decisions).toMatchObject([{ status: 'approved', flag_type: 'duplicate.exact' }]);
    expect(await trail(decisions[0].decision_id)).toEqual([{ from: null, to: 'approved' }]);
  });

  it('a real decision is never replaced, and a redelivered batch changes nothing', async () => {
    const duplicate = buildFlag(tenantId, { type: 'duplicate.exact' });
    const outlier = buildFlag(tenantId, { type: 'amount.outlier', payment: duplicate.payment });
    await record([duplicate]);
    expect(await record([duplicate, outlier])).toMatchObject({ flagsInserted: 1, redelivered: 1, decisionsInserted: 0, shadowsReplaced: 0 });
    expect(await record([duplicate, outlier])).toMatchObject({ flagsInserted: 0, redelivered: 2, decisionsInserted: 0, shadowsReplaced: 0 });
    // The detector raising the same flag again from a later payment is not a redelivery.
    const raisedAgain = { ...duplicate, flaggedAt: new Date(Date.parse(duplicate.flaggedAt) + 1_000).toISOString() };
    expect(await record([raisedAgain])).toMatchObject({ flagsInserted: 0, redelivered: 0 });
    expect(await decisionsOn(duplicate.payment.paymentId)).toMatchObject([{ status: 'approved', flag_type: 'duplicate.exact' }]);
    expect((await verifyAuditChains(pool)).breaks).toEqual([]);
    expect((await verifyAuditChains(pool)).drifts).toEqual([]);
  });

  it('a flag raised twice in one batch is stored as first received, as it is when the copies come in two batches', async () => {
    // An event and its redelivery judged in one pass: the same flag, received twice.
    const first = buildFlag(tenantId, { type: 'duplicate.exact', flaggedAt: new Date(Date.now() - 60_000) });
    const again = { ...first, receivedAt: new Date(Date.now() - 1_000).toISOString(), flaggedAt: new Date().toISOString() };
    const storedAt = async (flag: Flag) =>
      (await pool.query<{ received_at: Date }>('SELECT received_at FROM flags WHERE tenant_id = $1 AND flag_id = $2', [tenantId, flag.flagId])).rows.map((row) => row.received_at.toISOString());
    expect(await record([first, again])).toMatchObject({ flagsInserted: 1, decisionsInserted: 1 });
    expect(await storedAt(first)).toEqual([first.receivedAt]);

    const apart = buildFlag(tenantId, { type: 'duplicate.exact', flaggedAt: new Date(Date.now() - 60_000) });
    await record([apart]);
    await record([{ ...apart, receivedAt: new Date().toISOString() }]);
    expect(await storedAt(apart)).toEqual([apart.receivedAt]);
  });
});
