import { z } from 'zod';
import { DecisionStatus, FlagType, PlatformName, Severity, TenantId } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';
import { FLAG_COLUMNS, FLAG_FROM, type FlagRow } from './flag-view';

export const FlagFilters = z.strictObject({
  type: FlagType.optional(),
  severity: Severity.optional(),
  /** A decision status, or `none` for flags no decision was made on (notify-only). */
  status: z.union([DecisionStatus, z.literal('none')]).optional(),
  payer: PlatformName.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
export type FlagFilters = z.infer<typeof FlagFilters>;

export const ListFlagsQuery = FlagFilters.extend({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** The `nextCursor` of the previous page. */
  cursor: z.string().regex(/^\d{1,19}$/, 'a cursor from a previous page').optional(),
  /** Operators only: other keys always see their own tenant. */
  tenant: TenantId.optional(),
});

/** Builds the WHERE clause shared by the list and the live feed. */
export function filterClause(filters: FlagFilters, tenantId: string | null, params: unknown[]): string {
  const clauses: string[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  if (tenantId !== null) add('f.tenant_id = ?', tenantId);
  if (filters.type) add('f.type = ?', filters.type);
  if (filters.severity) add('f.severity = ?', filters.severity);
  if (filters.payer) add('f.payer_id = ?', filters.payer);
  if (filters.from) add('f.flagged_at >= ?', filters.from);
  if (filters.to) add('f.flagged_at < ?', filters.to);
  if (filters.status === 'none') clauses.push('d.decision_id IS NULL');
  else if (filters.status) add('d.status = ?', filters.status);
  return clauses.length > 0 ? clauses.join(' AND ') : 'TRUE';
}

/** Newest first; the cursor is the last row's position, so pages never overlap or skip. */
export async function listFlags(
  pool: Pool,
  tenantId: string | null,
  filters: FlagFilters,
  page: { limit: number; cursor?: string },
): Promise<{ rows: FlagRow[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  let where = filterClause(filters, tenantId, params);
  if (page.cursor) {
    params.push(page.cursor);
    where += ` AND f.seq < $${params.length}`;
  }
  params.push(page.limit);
  const result = await pool.query<FlagRow>(
    `SELECT ${FLAG_COLUMNS} FROM ${FLAG_FROM} WHERE ${where} ORDER BY f.seq DESC LIMIT $${params.length}`,
    params,
  );
  const last = result.rows.at(-1);
  return { rows: result.rows, nextCursor: result.rows.length === page.limit && last ? last.seq : null };
}

export async function getFlag(pool: Pool, tenantId: string | null, flagId: string): Promise<FlagRow | undefined> {
  const result = await pool.query<FlagRow>(
    `SELECT ${FLAG_COLUMNS} FROM ${FLAG_FROM} WHERE f.flag_id = $1 AND ($2::text IS NULL OR f.tenant_id = $2) LIMIT 1`,
    [flagId, tenantId],
  );
  return result.rows[0];
}
