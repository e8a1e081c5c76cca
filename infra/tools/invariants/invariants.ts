/**
 * Backstop's two promises, checked from the outside: every accepted event is processed, and
 * no charge is ever refunded twice. Compares what a sender says it sent (its own record) with
 * what came out of the system (topics and Postgres), so neither side grades its own work.
 */
import { z } from 'zod';

/** One event as the sender recorded it (one JSON line each); other fields a sender adds are ignored. */
export const SentEvent = z.object({
  tenantId: z.string().min(1),
  eventId: z.string().min(1),
  type: z.string(),
  paymentId: z.string().optional(),
  amount: z.number().optional(),
  /** What the sender planted, if anything. */
  mistake: z.enum(['duplicate', 'amount', 'recipient', 'product']).optional(),
  /** The final HTTP status the sender got: only 200/202 mean Backstop accepted the event. */
  status: z.number().int(),
});
export type SentEvent = z.infer<typeof SentEvent>;

export interface ObservedFlag {
  tenantId: string;
  flagId: string;
  type: string;
  paymentId: string;
}

export interface ObservedDecision {
  tenantId: string;
  paymentId: string;
  flagId: string;
  status: string;
  amount: number;
  capturedAmount: number | null;
}

export interface Observed {
  /** Event ids found on the events topic, per tenant. */
  eventIds: Set<string>;
  /** Whether every consumer group had committed everything on its topic when observed. */
  lagByGroup: Record<string, number>;
  flags: ObservedFlag[];
  decisions: ObservedDecision[];
  /** Flags on the flags topic (`flagOnTopicKey`), when read: names the side that lost a missing flag. */
  flagsOnTopic?: ReadonlySet<string>;
}

export const flagOnTopicKey = (tenantId: string, paymentId: string, type: string) => `${tenantId}\n${paymentId}\n${type}`;

/** Which flag types count as catching each planted mistake. */
export const CAUGHT_BY: Record<NonNullable<SentEvent['mistake']>, string[]> = {
  duplicate: ['duplicate.exact', 'duplicate.suspected'],
  amount: ['amount.digit_slip', 'amount.outlier'],
  recipient: ['recipient.near_miss'],
  product: ['product.misselected'],
};

export interface Violation {
  invariant: string;
  detail: string;
  /** The charge it is about, when it is about one: what a test reads to describe it further. */
  payment?: { tenantId: string; paymentId: string };
}

export interface InvariantReport {
  accepted: number;
  consumed: number;
  planted: number;
  caught: number;
  distinctFlags: number;
  decisions: number;
  refundedTotal: Record<string, number>;
  violations: Violation[];
}

const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;
const REFUNDING = new Set(['approved', 'sent', 'succeeded']);

export function checkInvariants(sent: SentEvent[], observed: Observed): InvariantReport {
  const violations: Violation[] = [];
  const accepted = sent.filter((event) => event.status === 200 || event.status === 202);
  const acceptedIds = new Set(accepted.map((event) => key(event.tenantId, event.eventId)));

  let consumed = 0;
  for (const id of acceptedIds) {
    if (observed.eventIds.has(id)) consumed += 1;
    else violations.push({ invariant: 'every accepted event reached Kafka', detail: `event ${id.replace('\u0000', '/')} is missing from the events topic` });
  }
  for (const [group, lag] of Object.entries(observed.lagByGroup)) {
    if (lag > 0) violations.push({ invariant: 'every accepted event was consumed', detail: `group ${group} has ${lag} messages left` });
  }

  const flagsByPayment = new Map<string, ObservedFlag[]>();
  const distinctFlags = new Map<string, ObservedFlag>();
  for (const flag of observed.flags) {
    distinctFlags.set(key(flag.tenantId, flag.flagId), flag);
    const list = flagsByPayment.get(key(flag.tenantId, flag.paymentId)) ?? [];
    list.push(flag);
    flagsByPayment.set(key(flag.tenantId, flag.paymentId), list);
  }
  // A redelivered or rebalanced batch may publish a flag again under its own id; a second id
  // for the same reason on the same charge is a second flag.
  const reasons = new Map<string, Set<string>>();
  for (const flag of distinctFlags.values()) {
    const reason = `${key(flag.tenantId, flag.paymentId)}\u0000${flag.type}`;
    reasons.set(reason, (reasons.get(reason) ?? new Set()).add(flag.flagId));
  }
  for (const [reason, ids] of reasons) {
    if (ids.size > 1) {
      const [tenantId, paymentId, type] = reason.split('\u0000');
      violations.push({ invariant: 'no charge flagged twice for one reason', detail: `${type} on payment ${paymentId} (${tenantId}) has ${ids.size} flags: ${[...ids].join(', ')}` });
    }
  }

  const planted = accepted.filter((event) => event.mistake && event.paymentId);
  let caught = 0;
  for (const event of planted) {
    const types = CAUGHT_BY[event.mistake!];
    const flags = flagsByPayment.get(key(event.tenantId, event.paymentId!)) ?? [];
    if (flags.some((flag) => types.includes(flag.type))) caught += 1;
    else {
      const published = observed.flagsOnTopic && types.some((type) => observed.flagsOnTopic!.has(flagOnTopicKey(event.tenantId, event.paymentId!, type)));
      const where = observed.flagsOnTopic === undefined ? '' : published ? ' (it is on the flags topic: the refund worker did not record it)' : ' (nor on the flags topic: the detector did not raise it)';
      violations.push({
        invariant: 'every planted mistake was flagged',
        detail: `${event.mistake} on payment ${event.paymentId} (${event.tenantId}) has no ${types.join(' or ')} flag${where}`,
        payment: { tenantId: event.tenantId, paymentId: event.paymentId! },
      });
    }
  }

  const decisionsPerCharge = new Map<string, number>();
  const refundedTotal: Record<string, number> = {};
  for (const decision of observed.decisions) {
    const charge = key(decision.tenantId, decision.paymentId);
    decisionsPerCharge.set(charge, (decisionsPerCharge.get(charge) ?? 0) + 1);
    if (!distinctFlags.has(key(decision.tenantId, decision.flagId))) {
      violations.push({ invariant: 'no refund without a flag', detail: `decision on ${decision.paymentId} names flag ${decision.flagId}, which does not exist` });
    }
    if (REFUNDING.has(decision.status)) {
      refundedTotal[decision.tenantId] = (refundedTotal[decision.tenantId] ?? 0) + decision.amount;
      if (decision.capturedAmount !== null && decision.amount > decision.capturedAmount) {
        violations.push({ invariant: 'a refund never exceeds the captured amount', detail: `payment ${decision.paymentId}: ${decision.amount} > ${decision.capturedAmount}` });
      }
    }
  }
  for (const [charge, count] of decisionsPerCharge) {
    if (count > 1) violations.push({ invariant: 'one decision per flagged charge', detail: `${charge.replace('\u0000', '/')} has ${count} decisions` });
  }
  const sentAmounts = new Map(accepted.filter((e) => e.paymentId && e.amount !== undefined).map((e) => [key(e.tenantId, e.paymentId!), e.amount!]));
  for (const decision of observed.decisions) {
    const charged = sentAmounts.get(key(decision.tenantId, decision.paymentId));
    if (REFUNDING.has(decision.status) && charged !== undefined && decision.amount > charged) {
      violations.push({ invariant: 'sums reconcile with what was sent', detail: `payment ${decision.paymentId} was charged ${charged} but ${decision.amount} is refunded` });
    }
  }

  return {
    accepted: acceptedIds.size,
    consumed,
    planted: planted.length,
    caught,
    distinctFlags: distinctFlags.size,
    decisions: observed.decisions.length,
    refundedTotal,
    violations,
  };
}
