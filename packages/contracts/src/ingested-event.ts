import { z } from 'zod';
import { TenantId, Timestamp } from './ids';
import { WebhookEvent } from './payment-event';

export const EventMark = z.enum(['amount_mismatch']);
export type EventMark = z.infer<typeof EventMark>;

/** A webhook event Backstop accepted, as it travels on `payments.events.v1`. */
export const IngestedEvent = z.strictObject({
  v: z.literal(1),
  tenantId: TenantId,
  /** When ingest accepted it: the start of detection latency. */
  receivedAt: Timestamp,
  /** Ingest's observations that are not reasons to reject (a mistake to detect). */
  marks: z.array(EventMark).default([]),
  event: WebhookEvent,
});
export type IngestedEvent = z.infer<typeof IngestedEvent>;

export function partitionKey(tenantId: string, payerId: string): string {
  return `${tenantId}:${payerId}`;
}
