import { z } from 'zod';
import { DecisionStatus, TenantId } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';

const Day = z.iso.date();

export const ReconciliationQuery = z.strictObject({
  tenant: TenantId.optional(),
  /** First and last day, inclusive, in each tenant's own time zone. */
  from: Day,
  to: Day,
  /** An extra grouping: by merchant or by payment channel. */
  by: z.enum(['merchant', 'channel']).optional(),
}).refine((q) => q.from <= q.to, { message: '"from" must not be after "to"', path: ['to'] });
export type ReconciliationQuery = z.infer<typeof ReconciliationQuery>;

/**
 * A sum of money: a string of decimal digits in minor units, always, however small. A day's
 * sum can pass 2^53, where a JSON number silently loses units in any reader that parses numbers
 * as doubles; one type for every size means no reader meets a string for the first time on the
 * biggest day of the year.
 */
export const MinorUnitsSum = z.string().regex(/^(0|[1-9][0-9]*)$/).describe('A sum in minor units, as a string of decimal digits: exact at any size.');
export type MinorUnitsSum = z.infer<typeof MinorUnitsSum>;

export const Tally = z.object({ count: z.int(), amount: MinorUnitsSum });
export type Tally = z.infer<typeof Tally>;

export const emptyTally = (): Tally => ({ count: 0, amount: '0' });

export const ReconciliationRow = z.object({
  tenantId: z.string(),
  day: Day.describe('The tenant\'s calendar day the decisions were made on.'),
  timeZone: z.string(),
  currency: z.string(),
  merchantId: z.string().nullable().optional().describe('With `by=merchant`.'),
  channel: z.string().nullable().optional().describe('With `by=channel`.'),
  decided: Tally.describe('Every decision except shadow ones, at its decided amount.'),
  sent: Tally.describe('Handed to the platform (sent, then possibly confirmed or failed), at the decided amount.'),
  confirmed: Tally.describe('Confirmed by refund.succeeded, at the amount the platform reported.'),
  failed: Tally.describe('Reported failed by refund.failed, at the decided amount.'),
  byStatus: z.partialRecord(DecisionStatus, Tally),
});
export type ReconciliationRow = z.infer<typeof ReconciliationRow>;

interface GroupRow {
  tenant_id: string;
  day: string;
  time_zone: string;
  currency: string;
  dimension: string | null;
  status: DecisionStatus;
  count: number;
  /** Sums come back as text: the int8 reader refuses anything past 2^53, and a day may pass it. */
  amount: string;
  confirmed_amount: string;
}

const wasSent = new Set<DecisionStatus>(['sent', 'succeeded', 'failed']);
const add = (tally: Tally, count: number, amount: string) => {
  tally.count += count;
  tally.amount = (BigInt(tally.amount) + BigInt(amount)).toString();
};

/** The grouping query; $1 tenant (or null for all), $2 first day, $3 last day. */
export function reconciliationSql(by: ReconciliationQuery['by']): string {
  const dimension = by === 'merchant' ? 'd.merchant_id' : by === 'channel' ? 'd.channel' : 'NULL::text';
  // Per tenant, its own day range over the (tenant_id, created_at) index; OFFSET 0 keeps the
  // planner from flattening this into one scan of every tenant's rows.
  return `SELECT t.tenant_id, to_char(d.day, 'YYYY-MM-DD') AS day, t.time_zone, d.currency::text AS currency, d.dimension, d.status,
            count(*)::int AS count, sum(d.amount)::text AS amount, coalesce(sum(d.confirmed_amount), 0)::text AS confirmed_amount
       FROM tenants t
       CROSS JOIN LATERAL (
         SELECT (d.created_at AT TIME ZONE t.time_zone)::date AS day, d.currency, ${dimension} AS dimension, d.status, d.amount, d.confirmed_amount
           FROM refund_decisions d
          WHERE d.tenant_id = t.tenant_id
            AND d.created_at >= ($2::date::timestamp AT TIME ZONE t.time_zone)
            AND d.created_at < (($3::date + 1)::timestamp AT TIME ZONE t.time_zone)
         OFFSET 0
       ) d
      WHERE ($1::text IS NULL OR t.tenant_id = $1)
      GROUP BY t.tenant_id, d.day, t.time_zone, d.currency, d.dimension, d.status
      ORDER BY 1, 2, 4, 5 NULLS FIRST`;
}

/**
 * Decisions per tenant × day × currency (× merchant or channel), broken down by status. Days
 * are cut in each tenant's time zone, so the range is turned into instants per tenant and the
 * (tenant_id, created_at) index serves it.
 */
export async function reconcile(pool: Pool, query: ReconciliationQuery): Promise<ReconciliationRow[]> {
  const result = await pool.query<GroupRow>(reconciliationSql(query.by), [query.tenant ?? null, query.from, query.to]);
  const rows = new Map<string, ReconciliationRow>();
  for (const group of result.rows) {
    const key = [group.tenant_id, group.day, group.currency, group.dimension].join('\u0000');
    let row = rows.get(key);
    if (!row) {
      row = {
        tenantId: group.tenant_id, day: group.day, timeZone: group.time_zone, currency: group.currency,
        ...(query.by === 'merchant' ? { merchantId: group.dimension } : query.by === 'channel' ? { channel: group.dimension } : {}),
        decided: emptyTally(), sent: emptyTally(), confirmed: emptyTally(), failed: emptyTally(),
        byStatus: {},
      };
      rows.set(key, row);
    }
    row.byStatus[group.status] = { count: group.count, amount: group.amount };
    if (group.status !== 'shadowed') add(row.decided, group.count, group.amount);
    if (wasSent.has(group.status)) add(row.sent, group.count, group.amount);
    if (group.status === 'succeeded') add(row.confirmed, group.count, group.confirmed_amount);
    if (group.status === 'failed') add(row.failed, group.count, group.amount);
  }
  return [...rows.values()];
}
