import type { Pool } from '@backstop/postgres';
import { FLAG_COLUMNS, FLAG_FROM, type FlagRow } from './flag-view';
import { filterClause, type FlagFilters } from './list-flags';

/** A position in the feed: the inserting transaction's id, then the row's sequence number. */
export interface FeedPosition {
  xid: string;
  seq: string;
}

export function encodePosition(position: FeedPosition): string {
  return `${position.xid}.${position.seq}`;
}

/** Parses a Last-Event-ID; anything else is refused rather than guessed at. */
export function decodePosition(value: string): FeedPosition | null {
  const match = /^(\d{1,20})\.(\d{1,19})$/.exec(value);
  if (!match) return null;
  const [, xid, seq] = match as unknown as [string, string, string];
  if (BigInt(xid) > 2n ** 64n - 1n || BigInt(seq) > 2n ** 63n - 1n) return null;
  return { xid, seq };
}

/** Only rows whose transaction ended before every running one began: a stable prefix. */
const COMMITTED = 'f.xid < pg_snapshot_xmin(pg_current_snapshot())';

/**
 * Whether the feed could have sent this position. It shows only rows of transactions below the
 * snapshot's xmin, and xmin never moves back, so a position at or past today's xmin was sent by
 * no console on this database (it is another environment's, a restored database's, or made
 * up). Resuming there would wait for rows that never come; a position below it is safe to
 * resume from whether or not a row sits exactly there.
 */
export async function wasReachable(pool: Pool, position: FeedPosition): Promise<boolean> {
  const result = await pool.query<{ reachable: boolean }>(
    'SELECT $1::xid8 < pg_snapshot_xmin(pg_current_snapshot()) AS reachable',
    [position.xid],
  );
  return result.rows[0]!.reachable;
}

export async function feedAfter(
  pool: Pool,
  tenantId: string | null,
  filters: FlagFilters,
  after: FeedPosition,
  limit: number,
): Promise<FlagRow[]> {
  const params: unknown[] = [];
  const where = filterClause(filters, tenantId, params);
  params.push(after.xid, after.seq, limit);
  const n = params.length;
  const result = await pool.query<FlagRow>(
    `SELECT ${FLAG_COLUMNS} FROM ${FLAG_FROM}
      WHERE ${where} AND ${COMMITTED} AND (f.xid, f.seq) > ($${n - 2}::xid8, $${n - 1}::bigint)
      ORDER BY f.xid, f.seq LIMIT $${n}`,
    params,
  );
  return result.rows;
}

/** The last `count` rows of the feed, oldest first, for a client that connects without a position. */
export async function feedTail(pool: Pool, tenantId: string | null, filters: FlagFilters, count: number): Promise<FlagRow[]> {
  const params: unknown[] = [];
  const where = filterClause(filters, tenantId, params);
  params.push(count);
  const result = await pool.query<FlagRow>(
    `SELECT ${FLAG_COLUMNS} FROM ${FLAG_FROM} WHERE ${where} AND ${COMMITTED}
      ORDER BY f.xid DESC, f.seq DESC LIMIT $${params.length}`,
    params,
  );
  return result.rows.reverse();
}
