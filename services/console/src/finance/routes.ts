import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { sendCsv } from '../csv';
import { csv, invalidQuery, json, tenantScopedRejections } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { parseQuery, scopedTenant } from '../query';
import { findMismatches, Mismatch, MismatchQuery } from './mismatches';
import { emptyTally, reconcile, ReconciliationQuery, ReconciliationRow } from './reconciliation';

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
    // `sent` and `failed` name both a tally and a status; one column cannot hold both, and the
    // tally says more (decisions still `sent` are sentCount − succeededCount − failedCount).
    if (`${status}Count` in line) continue;
    line[`${status}Count`] = row.byStatus[status]?.count ?? 0;
    line[`${status}Amount`] = row.byStatus[status]?.amount ?? '0';
  }
  return line;
}

const financeReaders = ['finance', 'admin'] as const;
const rejections = { 400: invalidQuery, ...tenantScopedRejections };
const perDay = 'Refund decisions per tenant, day (in the tenant\'s time zone) and currency, optionally per merchant or channel, by status. '
  + 'Amounts are sums, so strings of decimal digits in minor units: exact at any size.';

const reconciliationSchema = describeRoute({
  summary: 'Reconciliation of refund decisions',
  description: perDay,
  roles: financeReaders,
  querystring: ReconciliationQuery,
  responses: { 200: json('One row per group.', z.object({ data: z.array(ReconciliationRow) })), ...rejections },
});
const reconciliationCsvSchema = describeRoute({
  summary: 'Reconciliation of refund decisions as CSV',
  description: `${perDay} UTF-8 with a byte-order mark; one column pair (count, amount) per status.`,
  roles: financeReaders,
  querystring: ReconciliationQuery,
  responses: { 200: csv('One flat line per group, streamed.'), ...rejections },
});
const mismatchesSchema = describeRoute({
  summary: 'Where Backstop\'s books and the platform\'s reports disagree',
  description: 'Approved refunds unconfirmed past the SLA, confirmations of another amount, outcomes in another currency than their decision\'s, '
    + 'charges refunded beyond the decided or captured amount, outcomes naming an unknown decision (with the id the platform sent), '
    + 'and refunds the platform made on its own of a flagged charge.',
  roles: financeReaders,
  querystring: MismatchQuery,
  responses: { 200: json('Up to `limit` of each kind.', z.object({ data: z.array(Mismatch) })), ...rejections },
});

export async function financeRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const finance = requireRole(pool, financeReaders);

  app.get('/v1/finance/reconciliation', { preHandler: finance, schema: reconciliationSchema }, async (request) => {
    const query = parseQuery(ReconciliationQuery, request);
    return { data: await reconcile(pool, { ...query, tenant: scopedTenant(request, query.tenant) }) };
  });

  app.get('/v1/finance/reconciliation.csv', { preHandler: finance, schema: reconciliationCsvSchema }, async (request, reply) => {
    const query = parseQuery(ReconciliationQuery, request);
    const rows = await reconcile(pool, { ...query, tenant: scopedTenant(request, query.tenant) });
    const lines = rows.map(flatten);
    const columns = Object.keys(flatten({ tenantId: '', day: '', timeZone: '', currency: '', decided: emptyTally(), sent: emptyTally(), confirmed: emptyTally(), failed: emptyTally(), byStatus: {} }));
    return sendCsv(reply, 'reconciliation.csv', columns, lines);
  });

  app.get('/v1/finance/mismatches', { preHandler: finance, schema: mismatchesSchema }, async (request) => {
    const query = parseQuery(MismatchQuery, request);
    return { data: await findMismatches(pool, { ...query, tenant: scopedTenant(request, query.tenant) }, new Date()) };
  });
}
