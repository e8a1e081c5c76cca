import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signedHeaders } from '@backstop/signing';
import { hostileString } from '../support/hostile-strings';
import { nameWithRefusedCharacter, platformName } from '../support/unicode-names';
import { paymentEvent } from '../support/webhooks';
import { ingestDoorForTests } from './harness';

const printable = (max: number) => fc.stringMatching(new RegExp(`^[\\x20-\\x7e]{0,${max}}$`));

/** JSON values, including ones shaped almost like an event, so the validator is reached deep. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), printable(12), hostileString(20), platformName(), nameWithRefusedCharacter(),
    fc.constantFrom(-1, 0, 0.5, 1e21, Number.MAX_SAFE_INTEGER + 2, 'CNY', 'JPY', 'ABC', '2026-01-01T00:00:00Z', 'payment.succeeded', 'order.delivered', 'refund.failed'),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(printable(10), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A valid event with some of its fields replaced or removed at random. */
const nearlyAnEvent = fc
  .record({
    replace: fc.dictionary(fc.constantFrom('id', 'type', 'occurredAt', 'data', 'extra'), jsonish, { maxKeys: 2 }),
    replaceData: fc.dictionary(
      fc.constantFrom('paymentId', 'orderId', 'payerId', 'merchantId', 'category', 'amount', 'unitPrice', 'quantity', 'currency', 'kind', 'orderAmount', 'recipientAccount', 'channel', 'sku', 'coupon'),
      jsonish,
      { maxKeys: 3 },
    ),
    drop: fc.subarray(['amount', 'currency', 'payerId', 'kind']),
  })
  .map(({ replace, replaceData, drop }) => {
    const event = paymentEvent() as Record<string, any>;
    Object.assign(event.data, replaceData);
    for (const field of drop) delete event.data[field];
    return Object.assign(event, replace);
  });

const body = fc.oneof(
  printable(200),
  fc.string({ maxLength: 200 }),
  fc.json().map(String),
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  nearlyAnEvent.map((event) => JSON.stringify(event)),
  fc.array(nearlyAnEvent, { maxLength: 5 }).map((events) => JSON.stringify({ events })),
);

describe('random bodies and headers never make ingest fail with a 5xx', () => {
  const tenantId = 'cardshop';
  const door = ingestDoorForTests({ tenantId });

  it('answers every request below 500, and every rejection as problem+json', async () => {
    const request = fc.record({
      url: fc.constantFrom('/v1/webhooks/payments', '/v1/webhooks/payments:batch'),
      body,
      signed: fc.boolean(),
      webhookId: fc.oneof(printable(40), fc.constant('evt_fixed')),
      // Mostly what a platform sends, so enough runs reach acceptance: with even odds a 200
      // came about once in 120 runs, and one time in 25 the 400 runs never saw one.
      contentType: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') }, fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', '')),
      tenant: fc.oneof({ weight: 3, arbitrary: fc.constant(tenantId) }, printable(20)),
      headers: fc.dictionary(fc.constantFrom('webhook-id', 'webhook-timestamp', 'webhook-signature', 'x-tenant-id'), printable(60), { maxKeys: 2 }),
    });
    const seen = new Set<number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ url, body: payload, signed, webhookId, contentType, tenant, headers }) => {
        // Signed for real, so most requests pass the signature and reach the parser and validator.
        const signature = signed ? signedHeaders(door.secret, webhookId, payload) : {};
        const response = await door.ingest.app.inject({
          method: 'POST',
          url,
          payload,
          headers: { ...(contentType ? { 'content-type': contentType } : {}), 'x-tenant-id': tenant, ...signature, ...(signed ? {} : headers) },
        });
        seen.add(response.statusCode);
        expect(response.statusCode, response.body).toBeLessThan(500);
        if (response.statusCode >= 400) expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      }),
      { numRuns: 400 },
    );
    // The runs got past the signature: to the JSON parser, the validator, and acceptance.
    expect([...seen]).toEqual(expect.arrayContaining([400, 401, 415, 422, 200]));
  });
});
