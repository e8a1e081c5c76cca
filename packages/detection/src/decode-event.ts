import { IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import type { KafkaMessage } from 'kafkajs';
import type { DeliveryRequest } from './state/payer-state';

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

/** The delivery an event reports, if it reports one: the rules ask whether goods were delivered, and when. */
export function deliveryOf(ingested: IngestedEvent): DeliveryRequest | undefined {
  const { event } = ingested;
  if (event.type !== 'order.delivered') return undefined;
  return { tenantId: ingested.tenantId, payerId: event.data.payerId, orderId: event.data.orderId, deliveredMs: Date.parse(event.occurredAt) };
}
