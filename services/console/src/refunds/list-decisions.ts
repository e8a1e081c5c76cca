import type { DecisionMessage, Evidence, RefundDecision } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';
import type { DecisionFilter } from './decision-filter';

interface DecisionRow {
  decision_id: string;
  tenant_id: string;
  payment_id: string;
  flag_id: string;
  flag_type: RefundDecision['flagType'];
  action: RefundDecision['action'];
  status: RefundDecision['status'];
  amount: number;
  currency: string;
  reason: string;
  reason_message: DecisionMessage | null;
  idempotency_key: string;
  decided_by: string;
  created_at: Date;
  updated_at: Date;
  severity: RefundDecision['severity'];
  order_id: string | null;
  merchant_id: string | null;
  channel: string | null;
  captured_amount: number | null;
  advice: RefundDecision['advice'];
  revoke_goods_first: boolean;
  shadow_action: RefundDecision['shadowAction'];
  approved_at: Date | null;
  sent_at: Date | null;
  confirmed_at: Date | null;
  confirmed_amount: number | null;
  review_note: string | null;
  evidence: Evidence | null;
  /** created_at in microseconds since the epoch: the cursor needs the exact instant. */
  created_us: string;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

function toDecision(row: DecisionRow): RefundDecision {
  return {
    decisionId: row.decision_id,
    tenantId: row.tenant_id,
    paymentId: row.payment_id,
    flagId: row.flag_id,
    flagType: row.flag_type,
    action: row.action,
    status: row.status,
    amount: row.amount,
    currency: row.currency,
    reason: row.reason,
    reasonMessage: row.reason_message,
    idempotencyKey: row.idempotency_key,
    decidedBy: row.decided_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    severity: row.severity,
    orderId: row.order_id,
    merchantId: row.merchant_id,
    channel: row.channel,
    capturedAmount: row.captured_amount,
    advice: row.advice,
    revokeGoodsFirst: row.revoke_goods_first,
    shadowAction: row.shadow_action,
    approvedAt: iso(row.approved_at),
    sentAt: iso(row.sent_at),
    confirmedAt: iso(row.confirmed_at),
    confirmedAmount: row.confirmed_amount,
    reviewNote: row.review_note,
    evidence: row.evidence,
  };
}

/** Where a page ended: (created_at in µs, decision_id), opaque to clients. */
export type Cursor = [string, string];

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(cursor: string): Cursor | null {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && /^\d{1,20}$/.test(value[0])
      && typeof value[1] === 'string' && /^[0-9a-f-]{36}$/.test(value[1])) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through: an unreadable cursor is the caller's error
  }
  return null;
}

export interface DecisionPage {
  decisions: RefundDecision[];
  next: Cursor | null;
}

/** The page query; parameters in the order listDecisions passes them. */
export function decisionListSql(withEvidence: boolean): string {
  // The page is cut first and only its rows fetch their evidence.
  return `SELECT d.*, ${withEvidence ? 'f.evidence' : 'NULL'} AS evidence
       FROM (SELECT d.*, (extract(epoch FROM d.created_at) * 1000000)::bigint::text AS created_us
               FROM refund_decisions d
              WHERE ($1::text IS NULL OR d.tenant_id = $1)
                AND ($2::text IS NULL OR d.status = $2)
                AND ($3::text IS NULL OR d.flag_type = $3)
                AND ($4::text IS NULL OR d.currency = $4)
                AND ($5::timestamptz IS NULL OR d.created_at >= $5)
                AND ($6::timestamptz IS NULL OR d.created_at < $6)
                AND ($10::uuid IS NULL OR d.decision_id = $10)
                AND ($7::bigint IS NULL OR (d.created_at, d.decision_id) < ('epoch'::timestamptz + $7::bigint * interval '1 microsecond', $8::uuid))
              ORDER BY d.created_at DESC, d.decision_id DESC
              LIMIT $9) d
       ${withEvidence ? 'LEFT JOIN flags f ON f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id' : ''}
      ORDER BY d.created_at DESC, d.decision_id DESC`;
}

/** One page of decisions, newest first, keyset-paginated on (created_at, decision_id). */
export async function listDecisions(pool: Pool, filter: DecisionFilter, options: { limit: number; after: Cursor | null; withEvidence?: boolean; decisionId?: string }): Promise<DecisionPage> {
  // One row more than the page: a cursor is given only when a next page has something on it.
  const result = await pool.query<DecisionRow>(
    decisionListSql(options.withEvidence !== false),
    [
      filter.tenant ?? null, filter.status ?? null, filter.flagType ?? null, filter.currency ?? null, filter.from ?? null, filter.to ?? null,
      options.after?.[0] ?? null, options.after?.[1] ?? null, options.limit + 1, options.decisionId ?? null,
    ],
  );
  const page = result.rows.slice(0, options.limit);
  const last = page.at(-1);
  return {
    decisions: page.map(toDecision),
    next: result.rows.length > options.limit && last ? [last.created_us, last.decision_id] : null,
  };
}

/** Every matching decision, page by page, so an export of any size holds one page in memory. */
export async function* allDecisions(pool: Pool, filter: DecisionFilter, pageSize = 1_000): AsyncGenerator<RefundDecision> {
  let after: Cursor | null = null;
  do {
    const page: DecisionPage = await listDecisions(pool, filter, { limit: pageSize, after, withEvidence: false });
    yield* page.decisions;
    after = page.next;
  } while (after);
}
