import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { enqueueRefundCommands, saveRefundPolicy, transitionDecisions, verifyAuditChains } from '@backstop/ledger';
import { createPool, inTransaction, type Pool } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';

/**
 * Batches of one tenant are written side by side and meet only at the audit chain's lock,
 * taken for the append: these run them (and reviewers, and the outbox relay's transitions)
 * concurrently on real Postgres connections.
 */
describe('recording flags concurrently', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pool: Pool;

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    pool = createPool(database.databaseUrl, 'backstop-test-concurrency', 12);
    for (const tenantId of ['busy', 'quiet', 'budgeted', 'refunded']) await createTenant(pool, { tenantId, name: tenantId });
    await saveRefundPolicy(pool, 'budgeted', { v: 1, dailyAutoBudget: { CNY: 10_000 } }, 'test');
  });

  afterAll(async () => {
    await pool?.end();
    await database?.close();
  });

  const record = (flags: Flag[]) => inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
  const count = async (sql: string, params: unknown[]) => (await pool.query<{ n: number }>(sql, params)).rows[0]!.n;

  it('keeps each chain gapless and valid with batches, reviewers and the relay writing at once', async () => {
    const types = ['duplicate.exact', 'amount.outlier'] as const;
    const batches = Array.from({ length: 8 }, (_, b) => Array.from({ length: 40 }, (_, i) => buildFlag(b % 4 === 3 ? 'quiet' : 'busy', { type: types[i % 2] })));
    const firstOutcomes = await Promise.all(batches.slice(0, 4).map(record));
    expect(firstOutcomes.reduce((sum, o) => sum + o.decisionsInserted, 0)).toBe(160);

    const pending = await pool.query<{ tenant_id: string; decision_id: string }>("SELECT tenant_id, decision_id FROM refund_decisions WHERE status = 'pending_review'");
    const approved = await pool.query<{ tenant_id: string; decision_id: string }>("SELECT tenant_id, decision_id FROM refund_decisions WHERE status = 'approved'");
    // Reviewers approve one by one, the relay marks approved ones sent, and new batches arrive.
    const reviewers = pending.rows.slice(0, 30).map((row) => inTransaction(pool, async (client) => {
      await transitionDecisions(client, [{ tenantId: row.tenant_id, decisionId: row.decision_id, from: ['pending_review'], to: 'approved', actor: 'reviewer' }], new Date());
      await enqueueRefundCommands(client, [row.decision_id]);
    }));
    const relay = [0, 1, 2, 3].map((part) => inTransaction(pool, (client) => transitionDecisions(client,
      approved.rows.filter((_, i) => i % 4 === part).map((row) => ({ tenantId: row.tenant_id, decisionId: row.decision_id, from: ['approved'], to: 'sent', actor: 'outbox:kafka' })),
      new Date())));
    await Promise.all([...reviewers, ...relay, ...batches.slice(4).map(record)]);

    const report = await verifyAuditChains(pool);
    expect(report.breaks).toEqual([]);
    expect(report.drifts).toEqual([]);
    for (const tenantId of ['busy', 'quiet']) {
      const decisions = await count('SELECT count(*)::int AS n FROM refund_decisions WHERE tenant_id = $1', [tenantId]);
      const changes = await count("SELECT count(*)::int AS n FROM refund_decisions WHERE tenant_id = $1 AND status IN ('sent') OR (tenant_id = $1 AND decided_by = 'reviewer')", [tenantId]);
      const rows = await count('SELECT count(*)::int AS n FROM decision_audit WHERE tenant_id = $1', [tenantId]);
      expect(rows).toBe(decisions + changes);
      expect(await count('SELECT seq::int AS n FROM audit_heads WHERE tenant_id = $1', [tenantId])).toBe(rows);
      expect(await count('SELECT (max(seq) - min(seq) + 1)::int AS n FROM decision_audit WHERE tenant_id = $1', [tenantId])).toBe(rows);
    }
  });

  it('never grants more automatic refunds in a day than the budget, however batches interleave', async () => {
    const batches = Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => buildFlag('budgeted', { type: 'duplicate.exact', payment: { amount: 1_000, unitPrice: 1_000 } })));
    const outcomes = await Promise.all(batches.map(record));
    const approved = await count("SELECT coalesce(sum(amount), 0)::int AS n FROM refund_decisions WHERE tenant_id = 'budgeted' AND status = 'approved'", []);
    expect(approved).toBe(10_000);
    expect(await count("SELECT amount::int AS n FROM auto_refund_usage WHERE tenant_id = 'budgeted'", [])).toBe(10_000);
    expect(await count("SELECT count(*)::int AS n FROM refund_decisions WHERE tenant_id = 'budgeted' AND status = 'pending_review'", [])).toBe(22);
    expect(outcomes.reduce((sum, o) => sum + o.approved, 0)).toBe(10);
    expect((await verifyAuditChains(pool)).breaks).toEqual([]);
  });

  it('counts a refund the platform made once, however many flags name the charge', async () => {
    const duplicate = buildFlag('refunded', { type: 'duplicate.exact', payment: { amount: 3_000, unitPrice: 3_000 } });
    const outlier = buildFlag('refunded', { type: 'amount.outlier', payment: duplicate.payment });
    await pool.query(
      `INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, amount, currency, occurred_at)
       VALUES ('refunded', 'evt_outside', 'succeeded', $1, 1000, 'CNY', now())`,
      [duplicate.payment.paymentId],
    );
    await record([duplicate, outlier]);
    const decision = await pool.query('SELECT amount, status FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['refunded', duplicate.payment.paymentId]);
    expect(decision.rows).toEqual([{ amount: 2_000, status: 'approved' }]);
  });

  it('writes the refund command the ledger would read back from the approved decision', async () => {
    const flag = buildFlag('quiet', { type: 'duplicate.exact' });
    await record([flag]);
    const stored = await pool.query<{ decision_id: string; payload: unknown }>(
      "SELECT o.decision_id, o.payload FROM refund_outbox o JOIN refund_decisions d USING (decision_id) WHERE d.flag_id = $1 AND o.destination = 'kafka'",
      [flag.flagId],
    );
    expect(stored.rows).toHaveLength(1);
    const [fromRow] = await inTransaction(pool, (client) => enqueueRefundCommands(client, [stored.rows[0]!.decision_id]));
    expect(stored.rows[0]!.payload).toEqual(fromRow);
  });
});
