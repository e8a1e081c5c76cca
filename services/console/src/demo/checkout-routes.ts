import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CheckAnswer, CurrencyCode, ExternalId, MinorUnits, PlatformName, PlatformValue, type CheckIntent, type WebhookEvent } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { signedHeaders } from '@backstop/signing';
import { activeWebhookSecrets } from '@backstop/tenancy';
import { bodyRejections, html, json, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { parseBody } from '../request-parts';

export interface CheckoutDemoOptions {
  pool: Pool;
  /** The only tenant the demo ever pays as. */
  tenantId: string;
  ingestUrl: string;
}

/** What the demo page sends: the card, the amount and the account a person picked. */
const Purchase = z.strictObject({
  payerId: PlatformName,
  orderId: PlatformName,
  sku: PlatformName,
  category: PlatformName,
  /** The card's list price, minor units. */
  unitPrice: MinorUnits,
  /** What the person typed, minor units. */
  amount: MinorUnits.refine((value) => value > 0, 'must be greater than zero'),
  currency: CurrencyCode,
  recipientAccount: PlatformValue.max(128),
});
const Pay = Purchase.extend({ intentId: ExternalId.optional() });

const MERCHANT = 'm_demo_cardshop';

/** Ingest's answer to the payment webhook, passed on with its status, and the payment's id. */
const PaidAnswer = z.object({ paymentId: z.string() }).catchall(z.unknown());

const demoRejections = {
  400: problem('`invalid-body`: `errors` names each offending field by its JSON path; `malformed-json`.'),
  404: problem('`demo-unavailable`: the demo tenant has no webhook secret.'),
  502: problem('`ingest-unreachable`: ingest did not answer within 5 s.'),
  ...bodyRejections,
};
const pageSchema = describeRoute({ summary: 'The checkout demo page', responses: { 200: html('A card shop\'s checkout that asks before it pays.') } });
const checkSchema = describeRoute({
  summary: 'Ask the pre-payment check about a purchase, as the demo tenant',
  description: 'Sent on to ingest\'s `POST /v1/checks`, signed with the demo tenant\'s secret; its answer comes back as it is.',
  body: Purchase,
  responses: { 200: json('The check\'s answer.', CheckAnswer), ...demoRejections },
});
const paySchema = describeRoute({
  summary: 'Pay for a purchase, as the demo tenant',
  description: 'Sent on to ingest as a signed `payment.succeeded` webhook; `intentId` ties it to the check that asked about it.',
  body: Pay,
  responses: { 202: json('Accepted by ingest.', PaidAnswer), 200: json('A retry of a payment ingest had accepted.', PaidAnswer), ...demoRejections },
});

/**
 * The checkout demo at /demo/checkout: a page where a person picks a card, an amount and an
 * account and presses Pay, and this tiny server-side proxy asks ingest's pre-payment check and
 * sends the payment webhook, signed with the demo tenant's secret. The secret stays here: the
 * page only ever talks to these routes, which pay as the demo tenant and no other.
 */
export async function checkoutDemoRoutes(app: FastifyInstance, options: CheckoutDemoOptions): Promise<void> {
  async function signedPost(path: string, id: string, body: string): Promise<{ status: number; body: unknown }> {
    const [secret] = await activeWebhookSecrets(options.pool, options.tenantId);
    if (!secret) throw new Problem(404, 'demo-unavailable', 'The checkout demo is not set up', 'The demo tenant has no webhook secret.');
    const response = await fetch(new URL(path, options.ingestUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': options.tenantId, ...signedHeaders(secret, id, body) },
      body,
      signal: AbortSignal.timeout(5_000),
    }).catch(() => {
      throw new Problem(502, 'ingest-unreachable', 'Ingest did not answer', 'The demo could not reach ingest; try again.');
    });
    return { status: response.status, body: await response.json() };
  }

  app.get('/demo/checkout', { schema: pageSchema }, async (_request, reply) => reply.sendFile('demo/checkout.html'));

  app.post('/demo/checkout/check', { schema: checkSchema }, async (request, reply) => {
    const purchase = parseBody(Purchase, request.body);
    const intent: CheckIntent = { ...purchase, intentId: `int_${randomUUID()}`, merchantId: MERCHANT, kind: 'purchase', quantity: 1, recipientVerified: true, channel: 'demo' };
    const answer = await signedPost('/v1/checks', intent.intentId, JSON.stringify(intent));
    return reply.status(answer.status).send(answer.body);
  });

  app.post('/demo/checkout/pay', { schema: paySchema }, async (request, reply) => {
    const { intentId, ...purchase } = parseBody(Pay, request.body);
    const id = randomUUID();
    const event: WebhookEvent = {
      id: `evt_${id}`,
      type: 'payment.succeeded',
      occurredAt: new Date().toISOString(),
      data: { ...purchase, paymentId: `pay_${id}`, merchantId: MERCHANT, kind: 'purchase', quantity: 1, recipientVerified: true, channel: 'demo', ...(intentId ? { intentId } : {}) },
    };
    const answer = await signedPost('/v1/webhooks/payments', event.id, JSON.stringify(event));
    return reply.status(answer.status).send({ ...(answer.body as object), paymentId: event.data.paymentId });
  });
}
