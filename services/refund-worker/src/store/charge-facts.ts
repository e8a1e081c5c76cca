import { noFacts, type ChargeFacts } from '@backstop/ledger';
import type { PoolClient } from '@backstop/postgres';

export interface ChargeKey {
  tenantId: string;
  paymentId: string;
  orderId: string;
  currency: string;
  /** The tenant's current day, for its auto-refund budget. */
  day: string;
}

/*
 * Sums are read capped at 2^53 − 1 (9007199254740991, in the SQL below). The int8 reader
 * refuses anything past it, and a refusal here would stall the flag consumer on every
 * redelivery, yet a day's automatic refunds or a charge's refunds may add up past it. Every
 * amount a sum is compared with (a captured amount, a budget, a refund) is at most 2^53 − 1,
 * so a larger sum read as the cap decides exactly as the true sum would: the charge is fully
 * refunded, the budget spent.
 */

type FactRow =
  | { kind: 'decided'; tenant_id: string; key: string; decision_id: string; status: string; amount: null }
  | { kind: 'delivered' | 'refunded' | 'usage'; tenant_id: string; key: string; decision_id: null; status: null; amount: number | null };

/**
 * Everything a batch's decisions depend on, in one query: each charge's decision, delivered
 * orders, refunds the platform confirmed for charges, and today's automatic refunds per
 * currency. Each charge, order and budget is asked for once, however many flags share it.
 */
export async function loadChargeFacts(client: PoolClient, keys: readonly ChargeKey[]): Promise<ChargeFacts> {
  const facts = noFacts();
  if (keys.length === 0) return facts;
  const distinct = <T>(pick: (k: ChargeKey) => T[]) => [...new Map(keys.map((k) => [pick(k).join('\u0000'), pick(k)])).values()];
  const charges = distinct((k) => [k.tenantId, k.paymentId, k.currency]);
  const orders = distinct((k) => [k.tenantId, k.orderId]);
  const budgets = distinct((k) => [k.tenantId, k.currency, k.day]);
  const result = await client.query<FactRow>(
    `WITH charge AS (SELECT * FROM unnest($1::text[], $2::text[], $8::text[]) AS c(tenant_id, payment_id, currency))
     SELECT 'decided' AS kind, d.tenant_id, d.payment_id AS key, d.decision_id::text, d.status, NULL::bigint AS amount
       FROM refund_decisions d JOIN charge USING (tenant_id, payment_id)
     UNION ALL
     SELECT 'delivered', o.tenant_id, o.order_id, NULL, NULL, NULL
       FROM order_deliveries o JOIN unnest($3::text[], $4::text[]) AS k(tenant_id, order_id) USING (tenant_id, order_id)
     UNION ALL
     -- Every confirmed refund of the charge counts, whichever decision it named or none: the
     -- money went back. Only the charge's own currency adds up against its captured amount; one
     -- refund reported by several events (the same refundId) counts once.
     SELECT 'refunded', r.tenant_id, r.payment_id, NULL, NULL, least(sum(r.amount), 9007199254740991)::bigint
       FROM (SELECT r.tenant_id, r.payment_id, max(r.amount) AS amount
               FROM refund_outcomes r JOIN charge c ON c.tenant_id = r.tenant_id AND c.payment_id = r.payment_id AND c.currency = r.currency
              WHERE r.outcome = 'succeeded'
              GROUP BY r.tenant_id, r.payment_id, coalesce('refund:' || r.refund_id, 'event:' || r.event_id)) r
      GROUP BY r.tenant_id, r.payment_id
     UNION ALL
     SELECT 'usage', u.tenant_id, u.currency, NULL, NULL, least(u.amount, 9007199254740991)::bigint
       FROM auto_refund_usage u JOIN unnest($5::text[], $6::text[], $7::date[]) AS k(tenant_id, currency, day) USING (tenant_id, currency, day)`,
    [
      charges.map((c) => c[0]), charges.map((c) => c[1]), orders.map((o) => o[0]), orders.map((o) => o[1]),
      budgets.map((b) => b[0]), budgets.map((b) => b[1]), budgets.map((b) => b[2]), charges.map((c) => c[2]),
    ],
  );
  for (const row of result.rows) {
    const key = `${row.tenant_id}\u0000${row.key}`;
    if (row.kind === 'decided') facts.decided.set(key, { decisionId: row.decision_id, status: row.status });
    else if (row.kind === 'delivered') facts.delivered.add(key);
    else if (row.kind === 'refunded') facts.refundedElsewhere.set(key, row.amount ?? 0);
    else facts.autoRefundedToday.set(key, row.amount ?? 0);
  }
  return facts;
}

/** Today's automatic refunds of these tenant and currency pairs, by "tenant\0currency". */
export async function loadBudgetUsage(client: PoolClient, pairs: readonly { tenantId: string; currency: string; day: string }[]): Promise<Map<string, number>> {
  const usage = new Map<string, number>();
  if (pairs.length === 0) return usage;
  const result = await client.query<{ tenant_id: string; currency: string; amount: number }>(
    `SELECT u.tenant_id, u.currency, least(u.amount, 9007199254740991)::bigint AS amount FROM auto_refund_usage u
       JOIN unnest($1::text[], $2::text[], $3::date[]) AS k(tenant_id, currency, day) USING (tenant_id, currency, day)`,
    [pairs.map((p) => p.tenantId), pairs.map((p) => p.currency), pairs.map((p) => p.day)],
  );
  for (const row of result.rows) usage.set(`${row.tenant_id}\u0000${row.currency}`, row.amount);
  return usage;
}
