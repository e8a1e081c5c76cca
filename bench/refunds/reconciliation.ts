/**
 * Finance queries on a million decisions: generates them with generate_series in a
 * throwaway database (10 tenants, half on +08:00, 30 days), then times the reconciliation
 * (one tenant's day, one tenant's month, every tenant's day) and a filtered decision page,
 * and prints each plan so the indexes in use can be seen.
 *
 *   npm run bench:reconciliation -- [decisions=1000000]
 */
import { decisionListSql } from '../../services/console/src/refunds/list-decisions';
import { findMismatches, mismatchSql } from '../../services/console/src/finance/mismatches';
import { reconcile, reconciliationSql } from '../../services/console/src/finance/reconciliation';
import { benchDatabase } from '../lib/isolated-database';

const total = Number(process.argv[2] ?? 1_000_000);
const database = await benchDatabase('reconciliation');
const { pool } = database;

async function time(label: string, run: () => Promise<unknown>, times = 7): Promise<void> {
  await run();
  const samples: number[] = [];
  for (let i = 0; i < times; i += 1) {
    const started = process.hrtime.bigint();
    await run();
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label}: median ${samples[Math.floor(samples.length / 2)]!.toFixed(1)} ms, best ${samples[0]!.toFixed(1)} ms (${times} runs)`);
}

async function explain(label: string, sql: string, params: unknown[]): Promise<void> {
  const plan = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${sql}`, params);
  console.log(`\n--- plan: ${label}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
}

try {
  const generating = Date.now();
  await pool.query(`INSERT INTO tenants (tenant_id, name, time_zone)
    SELECT 'tenant-' || i, 'Tenant ' || i, CASE WHEN i % 2 = 0 THEN 'Asia/Shanghai' ELSE 'UTC' END FROM generate_series(0, 9) i`);
  // One decision every 2.592 s for 30 days makes a million; each needs its flag.
  const spacing = (30 * 86_400) / total;
  await pool.query(`INSERT INTO flags (tenant_id, flag_id, type, severity, confidence, payment_id, payer_id, amount, currency, payment, evidence, received_at, flagged_at)
    SELECT 'tenant-' || (i % 10), 'flg_' || i, 'duplicate.exact', 'high', 0.9, 'pay_' || i, 'u_' || (i % 50000), 100 + i % 50000,
           (ARRAY['CNY', 'USD', 'JPY'])[1 + i % 3], '{}', '{"informationFlow": {"summary": "generated"}}',
           timestamptz '2026-10-27T00:00:00Z' + i * $2::float8 * interval '1 second', timestamptz '2026-10-27T00:00:00Z' + i * $2::float8 * interval '1 second'
      FROM generate_series(1, $1::int) i`, [total, spacing]);
  await pool.query(`INSERT INTO refund_decisions (tenant_id, payment_id, flag_id, flag_type, action, status, amount, currency, reason, idempotency_key,
                                                  decided_by, severity, order_id, payer_id, merchant_id, channel, captured_amount,
                                                  approved_at, sent_at, confirmed_at, confirmed_amount, created_at, updated_at)
    SELECT f.tenant_id, f.payment_id, f.flag_id, f.type, 'auto_refund', s.status, f.amount, f.currency, 'generated',
           'refund:' || f.tenant_id || ':' || f.payment_id, 'policy:auto', 'high', 'ord_' || f.payment_id, f.payer_id,
           'm_' || (n / 10 % 7), (ARRAY['alipay', 'wechat', 'card'])[1 + n / 100 % 3], f.amount,
           f.flagged_at, CASE WHEN s.status IN ('sent', 'succeeded', 'failed') THEN f.flagged_at END,
           CASE WHEN s.status IN ('succeeded', 'failed') THEN f.flagged_at + interval '1 hour' END,
           CASE WHEN s.status = 'succeeded' THEN f.amount END, f.flagged_at, f.flagged_at
      FROM (SELECT *, substr(flag_id, 5)::int AS n FROM flags) f
      CROSS JOIN LATERAL (SELECT (ARRAY['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'sent', 'pending_review', 'rejected', 'approved'])[1 + (f.n / 10) % 10] AS status) s`);
  await pool.query('VACUUM ANALYZE refund_decisions');
  await pool.query('VACUUM ANALYZE flags');
  const count = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM refund_decisions')).rows[0]!.n;
  console.log(`generated ${count} decisions in ${((Date.now() - generating) / 1000).toFixed(1)} s`);

  await time('reconciliation, one tenant (+08:00), one day', () => reconcile(pool, { tenant: 'tenant-2', from: '2026-11-10', to: '2026-11-10' }));
  await time('reconciliation, one tenant (+08:00), 30 days', () => reconcile(pool, { tenant: 'tenant-2', from: '2026-10-27', to: '2026-11-25' }));
  await time('reconciliation, one tenant, 30 days by channel', () => reconcile(pool, { tenant: 'tenant-2', from: '2026-10-27', to: '2026-11-25', by: 'channel' }));
  await time('reconciliation, all 10 tenants, one day', () => reconcile(pool, { from: '2026-11-10', to: '2026-11-10' }));
  const pageParams = ['tenant-3', 'failed', null, 'USD', null, null, null, null, 100, null];
  await time('decision page: tenant + status + currency, 100 rows', () => pool.query(decisionListSql(true), pageParams));
  await time('mismatches, one tenant, 100 per kind', () => findMismatches(pool, { tenant: 'tenant-2', slaHours: 24, limit: 100 }, new Date('2026-11-26T00:00:00Z')));

  await explain('reconciliation, one tenant, one day', reconciliationSql(undefined), ['tenant-2', '2026-11-10', '2026-11-10']);
  await explain('reconciliation, one tenant, 30 days', reconciliationSql(undefined), ['tenant-2', '2026-10-27', '2026-11-25']);
  await explain('reconciliation, all tenants, one day', reconciliationSql(undefined), [null, '2026-11-10', '2026-11-10']);
  await explain('decision page with filters', decisionListSql(true), pageParams);
  await explain('mismatches, one tenant', mismatchSql, ['tenant-2', new Date('2026-11-26T00:00:00Z'), 24, 100]);
} finally {
  await database.drop();
}
