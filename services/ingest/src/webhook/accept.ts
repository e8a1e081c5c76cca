import { partitionKey, payerOf, type EventMark, type IngestedEvent, type WebhookEvent } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Bucket } from '../delivery-gate';
import type { Claim, DeliveryMemory } from '../delivery-memory';
import type { EventPublisher } from '../event-publisher';
import { rateLimited } from '../rate-limit';

/** A validated event ready to be accepted. */
export interface Candidate {
  event: WebhookEvent;
  marks: EventMark[];
  fingerprint: string;
}

export type Outcome =
  | { status: 'accepted'; eventId: string; receivedAt: string; marks: EventMark[] }
  // The marks of a retry are the original's: the same body, judged the same way.
  | { status: 'duplicate'; eventId: string; receivedAt: string; marks: EventMark[] }
  | { status: 'rejected'; eventId: string; problem: Problem };

export interface AcceptDeps {
  memory: DeliveryMemory;
  publisher: EventPublisher;
}

const idReused = () =>
  new Problem(409, 'event-id-reused', 'Event id reused with a different body', 'An event with this id and a different body was already accepted.');
const inFlight = (retryAfterMs: number) =>
  new Problem(503, 'delivery-in-flight', 'This event is being accepted', 'Another delivery of this event id is in progress; retry after the time given.', { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });
const memoryUnavailable = () =>
  new Problem(503, 'dedupe-unavailable', 'Delivery memory unavailable', 'The event was not recorded; retry later.', { retryAfterSeconds: 2 });
export const brokerUnavailable = () =>
  new Problem(503, 'broker-unavailable', 'Event store unavailable', 'The event was not recorded; retry later.', { retryAfterSeconds: 5 });

/**
 * Publishes each event unless an earlier delivery of its id was accepted, and answers only
 * after Kafka acknowledged them. A failed publish releases the claims, so nothing stays
 * half-recorded and the retry is accepted normally. With a bucket, the request pays its
 * tenant's rate limit in the same Redis call that claims its ids, or is refused with 429.
 */
export async function acceptEvents(deps: AcceptDeps, tenantId: string, candidates: Candidate[], nowMs = Date.now(), bucket?: Bucket): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(candidates.length);
  // The same id twice in one request: the later copies follow the first one's fate.
  const firstIndex = new Map<string, number>();
  const distinct: number[] = [];
  candidates.forEach((candidate, index) => {
    if (!firstIndex.has(candidate.event.id)) {
      firstIndex.set(candidate.event.id, index);
      distinct.push(index);
    }
  });

  const admission = await deps.memory
    .admit(
      tenantId,
      distinct.map((index) => ({ eventId: candidates[index]!.event.id, fingerprint: candidates[index]!.fingerprint })),
      nowMs,
      bucket,
    )
    .catch(() => {
      throw memoryUnavailable();
    });
  if (!admission.taken) throw rateLimited(bucket!, admission.waitMs);
  const { claims } = admission;
  const receivedAt = new Date(nowMs).toISOString();
  const toPublish: { index: number; claim: Claim }[] = [];
  claims.forEach(({ prior, claim }, position) => {
    const index = distinct[position]!;
    const eventId = candidates[index]!.event.id;
    if (prior.state === 'new') toPublish.push({ index, claim });
    else if (prior.state === 'in-flight') outcomes[index] = { status: 'rejected', eventId, problem: inFlight(prior.retryAfterMs) };
    else if (!prior.sameBody) outcomes[index] = { status: 'rejected', eventId, problem: idReused() };
    else outcomes[index] = { status: 'duplicate', eventId, receivedAt: prior.receivedAt, marks: candidates[index]!.marks };
  });

  if (toPublish.length > 0) {
    const messages = toPublish.map(({ index }) => {
      const { event, marks } = candidates[index]!;
      const value: IngestedEvent = { v: 1, tenantId, receivedAt, marks, event };
      return { key: partitionKey(tenantId, payerOf(event)), value: JSON.stringify(value) };
    });
    try {
      await deps.publisher.publish(messages);
    } catch {
      await deps.memory.release(toPublish.map(({ claim }) => claim)).catch(() => undefined);
      for (const { index } of toPublish) outcomes[index] = { status: 'rejected', eventId: candidates[index]!.event.id, problem: brokerUnavailable() };
      return followFirst(candidates, outcomes, firstIndex);
    }
    // The events are durable in Kafka now, so they are accepted whatever happens next: the
    // answer does not wait for the mark, which rides on the next admission. Should the mark
    // fail, the claim stays pending until it counts as abandoned; a retry after that is
    // published again, and every consumer downstream is idempotent on the event id.
    void deps.memory.markAccepted(toPublish.map(({ claim }) => ({ claim, receivedAtMs: nowMs })), { soon: true }).catch(() => undefined);
    for (const { index } of toPublish) {
      const { event, marks } = candidates[index]!;
      outcomes[index] = { status: 'accepted', eventId: event.id, receivedAt, marks };
    }
  }
  return followFirst(candidates, outcomes, firstIndex);
}

function followFirst(candidates: Candidate[], outcomes: Outcome[], firstIndex: Map<string, number>): Outcome[] {
  candidates.forEach((candidate, index) => {
    const first = firstIndex.get(candidate.event.id)!;
    if (first === index) return;
    const original = outcomes[first]!;
    if (candidate.fingerprint !== candidates[first]!.fingerprint) {
      outcomes[index] = { status: 'rejected', eventId: candidate.event.id, problem: idReused() };
    } else if (original.status === 'rejected') {
      outcomes[index] = original;
    } else {
      outcomes[index] = { status: 'duplicate', eventId: candidate.event.id, receivedAt: original.receivedAt, marks: candidate.marks };
    }
  });
  return outcomes;
}
