import type { PoolClient } from '@backstop/postgres';

export interface ChargeKey {
  tenantId: string;
  paymentId: string;
  orderId: string;
  currency: string;
  /** The tenant's current day, for its auto-refund budget. */
  day: string;
}

/** What the database knows about flagged charges, keyed by "tenant\0payment" (or order, or currency). */
export interface ChargeFacts {
  /** The decision each already-decided charge has. */
  decided: Map<string, { decisionId: string; status: string }>;
  delivered: Set<string>;
  refundedElsewhere: Map<string, number>;
  autoRefundedToday: Map<string, number>;
}

export async function loadChargeFacts(client: PoolClient, keys: readonly ChargeKey[]): Promise<ChargeFacts> {
  const facts: ChargeFacts = { decided: new Map(), delivered: new Set(), refundedElsewhere: new Map(), autoRefundedToday: new Map() };
  if (keys.length === 0) return facts;
  const tenants = keys.map((k) => k.tenantId);
  const payments = keys.map((k) => k.paymentId);
  // One client runs one query at a time, so these go in sequence.
  const decided = await client.query<{ tenant_id: string; payment_id: string; decision_id: string; status: string }>(
    `SELECT d.tenant_id, d.payment_id, d.decision_id, d.status FROM refund_decisions d
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, payment_id) USING (tenant_id, payment_id)`,
    [tenants, payments],
  );
  const delivered = await client.query<{ tenant_id: string; order_id: string }>(
    `SELECT o.tenant_id, o.order_id FROM order_deliveries o
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, order_id) USING (tenant_id, order_id)`,
    [tenants, keys.map((k) => k.orderId)],
  );
  // Every confirmed refund of a charge not yet decided here was made outside Backstop.
  const refunded = await client.query<{ tenant_id: string; payment_id: string; amount: number }>(
    `SELECT r.tenant_id, r.payment_id, sum(r.amount)::bigint AS amount FROM refund_outcomes r
       JOIN unnest($1::text[], $2::text[]) AS k(tenant_id, payment_id) USING (tenant_id, payment_id)
      WHERE r.outcome = 'succeeded' GROUP BY 1, 2`,
    [tenants, payments],
  );
  const usage = await client.query<{ tenant_id: string; currency: string; amount: number }>(
    `SELECT u.tenant_id, u.currency, u.amount FROM auto_refund_usage u
       JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[], $3::date[])) AS k(tenant_id, currency, day) USING (tenant_id, currency, day)`,
    [tenants, keys.map((k) => k.currency), keys.map((k) => k.day)],
  );
  for (const row of decided.rows) facts.decided.set(`${row.tenant_id}\u0000${row.payment_id}`, { decisionId: row.decision_id, status: row.status });
  for (const row of delivered.rows) facts.delivered.add(`${row.tenant_id}\u0000${row.order_id}`);
  for (const row of refunded.rows) facts.refundedElsewhere.set(`${row.tenant_id}\u0000${row.payment_id}`, row.amount);
  for (const row of usage.rows) facts.autoRefundedToday.set(`${row.tenant_id}\u0000${row.currency}`, row.amount);
  return facts;
}
