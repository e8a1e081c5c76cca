import type { DecisionStatus, IngestedEvent, OrderDelivered, RefundFailed, RefundSucceeded } from '@backstop/contracts';
import { transitionDecisions } from '@backstop/ledger';
import type { PoolClient } from '@backstop/postgres';

export interface EventsOutcome {
  deliveries: number;
  outcomes: number;
  confirmed: number;
  /** Outcomes naming a decision of another currency: stored, changing nothing. */
  otherCurrency: number;
}

type Delivered = { tenantId: string; event: OrderDelivered };
type Refunded = { tenantId: string; event: RefundSucceeded | RefundFailed };

interface StoredOutcome {
  tenant_id: string;
  event_id: string;
  decision_id: string | null;
  outcome: 'succeeded' | 'failed';
  amount: number;
  occurred_at: Date;
  in_decision_currency: boolean | null;
  refund_id: string | null;
}

/**
 * A success is what happened to the money, so it settles a decision that failed before (the
 * platform retried); a failure never undoes a success, which may simply have been reported first.
 * A success naming a decision Backstop never sent (still in review, rejected, or only a shadow's)
 * settles it too: the money went back whatever the decision said, and a decision left refundable
 * would let a reviewer's approval (or a later flag on the charge) give it back a second time.
 * Finance sees those as `outcome_for_unsent_decision`.
 */
const settledBySuccess: readonly DecisionStatus[] = ['approved', 'sent', 'failed', 'pending_review', 'rejected', 'shadowed'];
const settledByFailure: readonly DecisionStatus[] = ['approved', 'sent'];

const eventKey = (tenantId: string, eventId: string) => `${tenantId}\u0000${eventId}`;

/** The platform's reason for a failed refund, kept in the decision's audit trail. */
const failureReasonOf = (event: RefundSucceeded | RefundFailed): { reason?: string } =>
  event.type === 'refund.failed' && event.data.reason ? { reason: event.data.reason } : {};

/**
 * The one outcome per decision a batch applies, so the decision ends where the same events
 * one by one would leave it, whatever order the batch holds them in: the first success, else
 * the first failure, by when they happened.
 */
function settlingOutcomes(rows: readonly StoredOutcome[], batchOrder: ReadonlyMap<string, number>): StoredOutcome[] {
  const position = (row: StoredOutcome) => batchOrder.get(eventKey(row.tenant_id, row.event_id))!;
  const ordered = [...rows].sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || position(a) - position(b));
  const chosen = new Map<string, StoredOutcome>();
  for (const row of ordered) {
    const earlier = chosen.get(row.decision_id!);
    if (!earlier || (earlier.outcome === 'failed' && row.outcome === 'succeeded')) chosen.set(row.decision_id!, row);
  }
  return [...chosen.values()];
}

/**
 * Records what the platform told Backstop that matters for refunds: deliveries (policy),
 * and refund outcomes, both Backstop's (which close a decision's lifecycle) and the
 * platform's own (which count against the captured amount). Replays change nothing: each
 * event is stored once, and only an event stored now may move its decision.
 */
export async function recordEvents(client: PoolClient, events: readonly IngestedEvent[], now: Date): Promise<EventsOutcome> {
  const delivered: Delivered[] = [];
  const refunded: Refunded[] = [];
  for (const { tenantId, event } of events) {
    if (event.type === 'order.delivered') delivered.push({ tenantId, event });
    else if (event.type === 'refund.succeeded' || event.type === 'refund.failed') refunded.push({ tenantId, event });
  }
  const outcome: EventsOutcome = { deliveries: 0, outcomes: 0, confirmed: 0, otherCurrency: 0 };
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

  const stored = await client.query<StoredOutcome>(
    `WITH stored AS (
       INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, decision_id, claimed_decision_id, amount, currency, refund_id, occurred_at)
       SELECT t.tenant_id, t.event_id, t.outcome, t.payment_id, d.decision_id, t.claimed, t.amount, t.currency, t.refund_id, t.occurred_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::timestamptz[])
              AS t(tenant_id, event_id, outcome, payment_id, claimed, amount, currency, refund_id, occurred_at)
         JOIN tenants USING (tenant_id)
         LEFT JOIN refund_decisions d ON d.tenant_id = t.tenant_id AND d.payment_id = t.payment_id AND d.decision_id::text = t.claimed
       ON CONFLICT (tenant_id, event_id) DO NOTHING
       RETURNING tenant_id, event_id, decision_id, outcome, amount, currency, occurred_at, refund_id
     )
     SELECT s.tenant_id, s.event_id, s.decision_id, s.outcome, s.amount, s.occurred_at, s.refund_id, s.currency = d.currency AS in_decision_currency
       FROM stored s LEFT JOIN refund_decisions d ON d.decision_id = s.decision_id`,
    [
      refunded.map((r) => r.tenantId), refunded.map((r) => r.event.id),
      refunded.map((r) => (r.event.type === 'refund.succeeded' ? 'succeeded' : 'failed')), refunded.map((r) => r.event.data.paymentId),
      refunded.map((r) => r.event.data.decisionId ?? null), refunded.map((r) => r.event.data.amount), refunded.map((r) => r.event.data.currency),
      refunded.map((r) => r.event.data.refundId ?? null), refunded.map((r) => r.event.occurredAt),
    ],
  );
  outcome.outcomes = stored.rowCount ?? 0;
  const ofDecisions = stored.rows.filter((row) => row.decision_id !== null);
  // Another currency is not this decision's refund, whatever the id says: it neither confirms
  // nor fails it, and finance sees it as a currency mismatch.
  outcome.otherCurrency = ofDecisions.filter((row) => !row.in_decision_currency).length;
  const batchOrder = new Map(refunded.map((r, index) => [eventKey(r.tenantId, r.event.id), index]));
  const applied = await transitionDecisions(
    client,
    settlingOutcomes(ofDecisions.filter((row) => row.in_decision_currency), batchOrder).map((row) => ({
      tenantId: row.tenant_id, decisionId: row.decision_id!, from: row.outcome === 'succeeded' ? settledBySuccess : settledByFailure, to: row.outcome,
      actor: 'platform', confirmedAmount: row.amount, ...(row.refund_id !== null ? { refundId: row.refund_id } : {}),
      ...failureReasonOf(refunded[batchOrder.get(eventKey(row.tenant_id, row.event_id))!]!.event),
    })),
    now,
  );
  outcome.confirmed = applied.length;
  return outcome;
}
