import type { FlagType } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';

/** One flag as production recorded it, with what became of its charge. */
export interface ProductionFlag {
  flagId: string;
  type: FlagType;
  severity: string;
  paymentId: string;
  payerId: string;
  amount: number;
  currency: string;
  receivedAt: string;
}

/** The decision production made on a charge, and the reviewer's verdict if a person judged it. */
export interface ProductionDecision {
  paymentId: string;
  action: 'auto_refund' | 'review' | 'shadow';
  amount: number;
  currency: string;
  /** approved: a reviewer confirmed the mistake; rejected / false_positive: a reviewer said it was none. */
  label: 'approved' | 'rejected' | 'false_positive' | null;
}

export interface Production {
  flags: ProductionFlag[];
  decisions: Map<string, ProductionDecision>;
}

const PAGE = 5_000;

/**
 * What production flagged and decided for events the tenant's period accepted, read in a
 * read-only transaction (Postgres refuses any write in it), a page at a time in key order.
 */
export async function readProduction(pool: Pool, tenantId: string, fromMs: number, toMs: number): Promise<Production> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const flags: ProductionFlag[] = [];
    let after = '';
    for (;;) {
      const page = await client.query<{ flag_id: string; type: FlagType; severity: string; payment_id: string; payer_id: string; amount: number; currency: string; received_at: Date }>(
        `SELECT flag_id, type, severity, payment_id, payer_id, amount, currency, received_at FROM flags
          WHERE tenant_id = $1 AND received_at >= $2 AND received_at < $3 AND flag_id > $4
          ORDER BY flag_id LIMIT $5`,
        [tenantId, new Date(fromMs), new Date(toMs), after, PAGE],
      );
      for (const row of page.rows) {
        flags.push({
          flagId: row.flag_id, type: row.type, severity: row.severity, paymentId: row.payment_id, payerId: row.payer_id,
          amount: row.amount, currency: row.currency.trim(), receivedAt: row.received_at.toISOString(),
        });
      }
      if (page.rows.length < PAGE) break;
      after = page.rows[page.rows.length - 1]!.flag_id;
    }
    const decisions = new Map<string, ProductionDecision>();
    const paymentIds = [...new Set(flags.map((flag) => flag.paymentId))];
    for (let start = 0; start < paymentIds.length; start += PAGE) {
      const rows = await client.query<{ payment_id: string; action: ProductionDecision['action']; status: string; amount: number; currency: string; false_positive: boolean | null }>(
        `SELECT d.payment_id, d.action, d.status, d.amount, d.currency, f.false_positive
           FROM refund_decisions d LEFT JOIN flags f ON f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id
          WHERE d.tenant_id = $1 AND d.payment_id = ANY($2::text[])`,
        [tenantId, paymentIds.slice(start, start + PAGE)],
      );
      for (const row of rows.rows) {
        decisions.set(row.payment_id, { paymentId: row.payment_id, action: row.action, amount: row.amount, currency: row.currency.trim(), label: labelOf(row) });
      }
    }
    await client.query('COMMIT');
    return { flags, decisions };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * A reviewer's verdict on a charge sent to review: approving it confirms the mistake,
 * rejecting it (with or without marking the flag a false positive) denies it. Automatic
 * decisions carry no person's verdict.
 */
function labelOf(row: { action: string; status: string; false_positive: boolean | null }): ProductionDecision['label'] {
  if (row.action !== 'review') return null;
  if (row.status === 'rejected') return row.false_positive ? 'false_positive' : 'rejected';
  if (['approved', 'sent', 'succeeded', 'failed'].includes(row.status)) return 'approved';
  return null;
}
