import { IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import type { KafkaMessage } from 'kafkajs';

/** Parses one message of the events topic; throws on anything that is not an accepted event. */
export function decodeEvent(message: KafkaMessage): IngestedEvent {
  if (!message.value) throw new Error('empty message');
  return IngestedEvent.parse(JSON.parse(message.value.toString('utf8')));
}

/** The payment an event reports, if it reports one: only successful payments enter the payers' state. */
export function paymentOf(ingested: IngestedEvent): PaymentSnapshot | undefined {
  const { event } = ingested;
  if (event.type !== 'payment.succeeded') return undefined;
  return { eventId: event.id, ...event.data, occurredAt: event.occurredAt };
}
