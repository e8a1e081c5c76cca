import type { IngestedEvent, OrderDelivered, RefundFailed, RefundSucceeded } from '@backstop/contracts';
import { transitionDecisions } from '@backstop/ledger';
import type { PoolClient } from '@backstop/postgres';

export interface EventsOutcome {
  deliveries: number;
  outcomes: number;
  confirmed: number;
}

type Delivered = { tenantId: string; event: OrderDelivered };
type Refunded = { tenantId: string; event: RefundSucceeded | RefundFailed };

/**
 * Records what the platform told Backstop that matters for refunds: deliveries (policy),
 * and refund outcomes, both Backstop's (which close a decision's lifecycle) and the
 * platform's own (which count against the captured amount). Replays change nothing: each
 * event is stored once, and a decision leaves `sent` once.
 */
export async function recordEvents(client: PoolClient, events: readonly IngestedEvent[], now: Date): Promise<EventsOutcome> {
  const delivered: Delivered[] = [];
  const refunded: Refunded[] = [];
  for (const { tenantId, event } of events) {
    if (event.type === 'order.delivered') delivered.push({ tenantId, event });
    else if (event.type === 'refund.succeeded' || event.type === 'refund.failed') refunded.push({ tenantId, event });
  }
  const outcome: EventsOutcome = { deliveries: 0, outcomes: 0, confirmed: 0 };
  if (delivered.length > 0) {
    const result = await client.query(
      `INSERT INTO order_deliveries (tenant_id, order_id, delivered_at)
       SELECT t.tenant_id, t.order_id, min(t.delivered_at) FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS t(tenant_id, order_id, delivered_at)
         JOIN tenants USING (tenant_id) GROUP BY 1, 2
       ON CONFLICT (tenant_id, order_id) DO NOTHING`,
      [delivered.map((d) => d.tenantId), delivered.map((d) => d.event.data.orderId), delivered.map((d) => d.event.occurredAt)],
    );
    outcome.deliveries = result.rowCount ?? 0;
  }
  if (refunded.length === 0) return outcome;

  const stored = await client.query<{ tenant_id: string; decision_id: string | null; outcome: 'succeeded' | 'failed'; amount: number }>(
    `INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, decision_id, claimed_decision_id, amount, currency, refund_id, occurred_at)
     SELECT t.tenant_id, t.event_id, t.outcome, t.payment_id, d.decision_id, t.claimed, t.amount, t.currency, t.refund_id, t.occurred_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::timestamptz[])
            AS t(tenant_id, event_id, outcome, payment_id, claimed, amount, currency, refund_id, occurred_at)
       JOIN tenants USING (tenant_id)
       LEFT JOIN refund_decisions d ON d.tenant_id = t.tenant_id AND d.payment_id = t.payment_id AND d.decision_id::text = t.claimed
     ON CONFLICT (tenant_id, event_id) DO NOTHING
     RETURNING tenant_id, decision_id, outcome, amount`,
    [
      refunded.map((r) => r.tenantId), refunded.map((r) => r.event.id),
      refunded.map((r) => (r.event.type === 'refund.succeeded' ? 'succeeded' : 'failed')), refunded.map((r) => r.event.data.paymentId),
      refunded.map((r) => r.event.data.decisionId ?? null), refunded.map((r) => r.event.data.amount), refunded.map((r) => r.event.data.currency),
      refunded.map((r) => r.event.data.refundId ?? null), refunded.map((r) => r.event.occurredAt),
    ],
  );
  outcome.outcomes = stored.rowCount ?? 0;
  const applied = await transitionDecisions(
    client,
    stored.rows.filter((row) => row.decision_id !== null).map((row) => ({
      tenantId: row.tenant_id, decisionId: row.decision_id!, from: ['approved', 'sent'], to: row.outcome,
      actor: 'platform', confirmedAmount: row.amount,
    })),
    now,
  );
  outcome.confirmed = applied.length;
  return outcome;
}
