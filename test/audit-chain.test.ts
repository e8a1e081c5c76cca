import { formatMoney } from '@backstop/messages';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditHash, transitionDecisions, verifyAuditChains, type AuditContent } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';

describe('the decision audit chain', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pool: Pool;
  let pristine: { seq: number; content: unknown; prev_hash: Buffer; hash: Buffer; decision_id: string }[];
  const tenantId = 'chained';

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    pool = database.pool;
    await createTenant(pool, { tenantId, name: 'Chained' });
    await createTenant(pool, { tenantId: 'other', name: 'Other' });
    const flags = [
      buildFlag(tenantId), buildFlag(tenantId, { type: 'amount.outlier' }), buildFlag('other'),
      buildFlag(tenantId, { type: 'duplicate.suspected', severity: 'low' }), buildFlag(tenantId),
    ];
    await inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
    const approved = await pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND status = 'approved'", [tenantId]);
    await inTransaction(pool, (client) => transitionDecisions(client, approved.rows.map((row) => ({
      tenantId, decisionId: row.decision_id, from: ['approved'], to: 'sent', actor: 'test',
    })), new Date()));
    pristine = (await pool.query(`SELECT seq, content, prev_hash, hash, decision_id FROM decision_audit WHERE tenant_id = $1 ORDER BY seq`, [tenantId])).rows;
  });

  afterAll(async () => database?.close());

  // Each case tampers with a clean copy of the chain.
  beforeEach(async () => {
    await pool.query('DELETE FROM decision_audit WHERE tenant_id = $1', [tenantId]);
    await pool.query(
      `INSERT INTO decision_audit (tenant_id, seq, decision_id, content, prev_hash, hash)
       SELECT $1, * FROM unnest($2::bigint[], $3::uuid[], $4::jsonb[], $5::bytea[], $6::bytea[])`,
      [tenantId, pristine.map((r) => r.seq), pristine.map((r) => r.decision_id), pristine.map((r) => JSON.stringify(r.content)), pristine.map((r) => r.prev_hash), pristine.map((r) => r.hash)],
    );
  });

  it('verifies when untouched: one chain per tenant, every state change in it', async () => {
    const report = await verifyAuditChains(pool);
    expect(report.breaks).toEqual([]);
    expect(report.drifts).toEqual([]);
    expect(report.tenantsChecked).toBe(2);
    // 4 decisions created + 2 sent for the tenant, 1 created for the other.
    expect(pristine).toHaveLength(6);
    expect(report.rowsChecked).toBe(7);
  });

  it('names an edited row', async () => {
    await pool.query(`UPDATE decision_audit SET content = jsonb_set(content, '{amount}', '1') WHERE tenant_id = $1 AND seq = 3`, [tenantId]);
    expect((await verifyAuditChains(pool)).breaks).toEqual([{ tenantId, seq: 3, problem: expect.stringContaining('edited') }]);
  });

  it('names the row after one that was edited and re-hashed', async () => {
    const row = pristine.find((r) => r.seq === 3)!;
    const forged = { ...(row.content as AuditContent), amount: 1 };
    await pool.query('UPDATE decision_audit SET content = $2, hash = $3 WHERE tenant_id = $1 AND seq = 3', [tenantId, JSON.stringify(forged), auditHash(row.prev_hash, forged)]);
    expect((await verifyAuditChains(pool)).breaks).toEqual([{ tenantId, seq: 4, problem: expect.stringContaining('link') }]);
  });

  it('names the row after a removed one, and notices a removed tail', async () => {
    await pool.query('DELETE FROM decision_audit WHERE tenant_id = $1 AND seq = 2', [tenantId]);
    expect((await verifyAuditChains(pool)).breaks).toEqual([{ tenantId, seq: 3, problem: expect.stringContaining('removed') }]);
    await pool.query('DELETE FROM decision_audit WHERE tenant_id = $1 AND seq >= 2', [tenantId]);
    expect((await verifyAuditChains(pool)).breaks).toEqual([{ tenantId, seq: null, problem: expect.stringContaining('removed from the end') }]);
  });

  it('names the first of two reordered rows', async () => {
    for (const [from, to] of [[2, 1000], [4, 2], [1000, 4]]) {
      await pool.query('UPDATE decision_audit SET seq = $3 WHERE tenant_id = $1 AND seq = $2', [tenantId, from, to]);
    }
    expect((await verifyAuditChains(pool)).breaks).toEqual([{ tenantId, seq: 2, problem: expect.any(String) }]);
  });

  it('names a decision edited behind the ledger\'s back', async () => {
    const victim = pristine.find((r) => (r.content as AuditContent).to === 'sent')!;
    await pool.query("UPDATE refund_decisions SET amount = amount - 1 WHERE decision_id = $1", [victim.decision_id]);
    try {
      const report = await verifyAuditChains(pool);
      expect(report.breaks).toEqual([]);
      expect(report.drifts).toHaveLength(1);
      expect(report.drifts[0]).toEqual({ tenantId, decisionId: victim.decision_id, problem: expect.stringContaining('audit trail last recorded sent') });
      // Money as people read it, in the decision's currency, not minor units.
      const [said, recorded] = [victim.content as AuditContent].map((content) => [content.amount - 1, content.amount].map((amount) => formatMoney(amount, content.currency)))[0]!;
      expect(report.drifts[0]!.problem).toBe(`the decision says sent, ${said} but its audit trail last recorded sent, ${recorded}`);
    } finally {
      await pool.query('UPDATE refund_decisions SET amount = amount + 1 WHERE decision_id = $1', [victim.decision_id]);
    }
  });

  it('npm run audit:verify reports the break and fails', () => {
    const clean = spawnSync('npm', ['run', '--silent', 'audit:verify'], { env: { ...process.env, DATABASE_URL: database.databaseUrl }, encoding: 'utf8' });
    expect(clean.stdout).toContain('OK: 2 chains, 7 rows checked');
    expect(clean.status).toBe(0);
  });

  it('npm run audit:verify names an edited row and exits 1', async () => {
    await pool.query(`UPDATE decision_audit SET content = jsonb_set(content, '{actor}', '"someone"') WHERE tenant_id = $1 AND seq = 5`, [tenantId]);
    const run = spawnSync('npm', ['run', '--silent', 'audit:verify'], { env: { ...process.env, DATABASE_URL: database.databaseUrl }, encoding: 'utf8' });
    expect(run.stdout).toContain(`BROKEN tenant ${tenantId} at row 5`);
    expect(run.status).toBe(1);
  });
});
