/**
 * Walks every tenant's decision audit chain and names the first row that fails to verify.
 * Exits 1 when any chain is broken, so it can gate a job.
 *
 *   DATABASE_URL=postgres://… npm run audit:verify
 */
import { verifyAuditChains } from '@backstop/ledger';
import { createPool } from '@backstop/postgres';

const pool = createPool(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/backstop', 'backstop-audit-verify', 2);
try {
  const report = await verifyAuditChains(pool);
  for (const broken of report.breaks) {
    const where = broken.seq === null ? 'at its end' : `at row ${broken.seq}`;
    process.stdout.write(`BROKEN tenant ${broken.tenantId} ${where}: ${broken.problem}\n`);
  }
  for (const drift of report.drifts) {
    process.stdout.write(`DRIFT tenant ${drift.tenantId} decision ${drift.decisionId}: ${drift.problem}\n`);
  }
  const clean = report.breaks.length === 0 && report.drifts.length === 0;
  process.stdout.write(`${clean ? 'OK' : 'FAILED'}: ${report.tenantsChecked} chains, ${report.rowsChecked} rows checked\n`);
  process.exitCode = clean ? 0 : 1;
} finally {
  await pool.end();
}
