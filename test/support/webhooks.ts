import { randomUUID } from 'node:crypto';
import type { PaymentData, WebhookEvent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';
import { examplePaymentData } from '@backstop/testkit';

let sequence = 0;
export function uniqueId(prefix: string): string {
  sequence += 1;
  return `${prefix}_${randomUUID().slice(0, 8)}${sequence}`;
}

/** A realistic game-card purchase; every field can be overridden. */
export function paymentEvent(data: Partial<PaymentData> = {}, occurredAt = new Date()): WebhookEvent {
  return {
    id: uniqueId('evt'),
    type: 'payment.succeeded',
    occurredAt: occurredAt.toISOString(),
    data: { ...examplePaymentData(''), paymentId: uniqueId('pay'), orderId: uniqueId('ord'), payerId: uniqueId('u'), ...data },
  };
}

export async function postWebhook(
  baseUrl: string,
  tenantId: string,
  secret: string,
  event: WebhookEvent,
  body = JSON.stringify(event),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${baseUrl}/v1/webhooks/payments`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tenant-id': tenantId, ...signedHeaders(secret, event.id, body) },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
