import { partitionKey, payerOf, type EventMark, type IngestedEvent, type WebhookEvent } from '@backstop/contracts';
import type { DeliveryMemory } from '../delivery-memory';
import type { EventPublisher } from '../event-publisher';
import { Problem } from '@backstop/http';

export type Acceptance =
  | { status: 'accepted'; eventId: string; receivedAt: string }
  | { status: 'duplicate'; eventId: string; receivedAt: string };

export interface AcceptDeps {
  memory: DeliveryMemory;
  publisher: EventPublisher;
}

/**
 * Publishes one validated event unless an earlier delivery of its id was accepted. Answers
 * only after Kafka acknowledged it; a failed publish leaves nothing recorded.
 */
export async function acceptEvent(
  deps: AcceptDeps,
  tenantId: string,
  event: WebhookEvent,
  marks: EventMark[],
  fingerprint: string,
): Promise<Acceptance> {
  const prior = await deps.memory.claim(tenantId, event.id, fingerprint);
  if (prior.state === 'accepted') {
    if (!prior.sameBody) {
      throw new Problem(409, 'event-id-reused', 'Event id reused with a different body', 'An event with this id and a different body was already accepted.');
    }
    return { status: 'duplicate', eventId: event.id, receivedAt: prior.receivedAt };
  }
  if (prior.state === 'in-flight') {
    throw new Problem(503, 'delivery-in-flight', 'This event is being accepted', 'Another delivery of this event id is in progress; retry shortly.', { retryAfterSeconds: 1 });
  }
  const receivedAt = new Date().toISOString();
  const message: IngestedEvent = { v: 1, tenantId, receivedAt, marks, event };
  try {
    await deps.publisher.publish([{ key: partitionKey(tenantId, payerOf(event)), value: JSON.stringify(message) }]);
  } catch (error) {
    await deps.memory.release(tenantId, event.id).catch(() => undefined);
    throw new Problem(503, 'broker-unavailable', 'Event store unavailable', 'The event was not recorded; retry later.', { retryAfterSeconds: 5, cause: undefined });
  }
  await deps.memory.markAccepted(tenantId, event.id, fingerprint, receivedAt);
  return { status: 'accepted', eventId: event.id, receivedAt };
}
