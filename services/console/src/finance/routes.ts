import type { FastifyInstance } from 'fastify';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { sendCsv } from '../csv';
import { parseQuery, scopedTenant } from '../query';
import { findMismatches, MismatchQuery } from './mismatches';
import { reconcile, ReconciliationQuery, type ReconciliationRow } from './reconciliation';

const statusColumns = ['pending_review', 'approved', 'sent', 'succeeded', 'failed', 'rejected', 'shadowed'] as const;

/** One flat CSV line per reconciliation row. */
function flatten(row: ReconciliationRow): Record<string, unknown> {
  const line: Record<string, unknown> = {
    tenantId: row.tenantId, day: row.day, timeZone: row.timeZone, currency: row.currency,
    merchantId: row.merchantId ?? '', channel: row.channel ?? '',
    decidedCount: row.decided.count, decidedAmount: row.decided.amount, sentCount: row.sent.count, sentAmount: row.sent.amount,
    confirmedCount: row.confirmed.count, confirmedAmount: row.confirmed.amount, failedCount: row.failed.count, failedAmount: row.failed.amount,
  };
  for (const status of statusColumns) {
    line[`${status}Count`] = row.byStatus[status]?.count ?? 0;
    line[`${status}Amount`] = row.byStatus[status]?.amount ?? 0;
  }
  return line;
}

export async function financeRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const finance = requireRole(pool, ['finance', 'admin']);

  app.get('/v1/finance/reconciliation', { preHandler: finance }, async (request) => {
    const query = parseQuery(ReconciliationQuery, request);
    return { data: await reconcile(pool, { ...query, tenant: scopedTenant(request, query.tenant) }) };
  });

  app.get('/v1/finance/reconciliation.csv', { preHandler: finance }, async (request, reply) => {
    const query = parseQuery(ReconciliationQuery, request);
    const rows = await reconcile(pool, { ...query, tenant: scopedTenant(request, query.tenant) });
    const lines = rows.map(flatten);
    const columns = Object.keys(flatten({ tenantId: '', day: '', timeZone: '', currency: '', decided: { count: 0, amount: 0 }, sent: { count: 0, amount: 0 }, confirmed: { count: 0, amount: 0 }, failed: { count: 0, amount: 0 }, byStatus: {} }));
    return sendCsv(reply, 'reconciliation.csv', columns, lines);
  });

  app.get('/v1/finance/mismatches', { preHandler: finance }, async (request) => {
    const query = parseQuery(MismatchQuery, request);
    return { data: await findMismatches(pool, { ...query, tenant: scopedTenant(request, query.tenant) }, new Date()) };
  });
}
