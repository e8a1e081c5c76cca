import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PaymentSucceeded } from '@backstop/contracts';
import { PROBLEM_BASE } from '@backstop/http';
import { nameWithRefusedCharacter, platformName } from '../support/unicode-names';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { ingestDoorForTests, postEvent, signedRequest } from './harness';

/** The fields a platform names in its own words; each may be any printable Unicode. */
const nameFields = ['orderId', 'payerId', 'merchantId', 'sku', 'category'] as const;
type NameField = (typeof nameFields)[number];

const names = fc.record(Object.fromEntries(nameFields.map((field) => [field, platformName()])) as Record<NameField, fc.Arbitrary<string>>);
const form = fc.constantFrom('NFC', 'NFD') as fc.Arbitrary<'NFC' | 'NFD'>;
const normalised = (values: Record<NameField, string>) => Object.fromEntries(nameFields.map((field) => [field, values[field].normalize('NFC')]));

/** A payment whose every name is valid but one, which holds a refused character. */
const oneRefusedName = fc.tuple(names, fc.constantFrom(...nameFields), nameWithRefusedCharacter()).map(([values, field, refused]) => ({ values: { ...values, [field]: refused }, field }));

describe("a platform's own words at the webhook doors, on real Kafka and Redis", () => {
  const tenantId = 'cardshop';
  const door = ingestDoorForTests({ tenantId, tenantName: '卡密商城' });

  it('accepts any printable Unicode name on one event and puts it on Kafka NFC-normalised, otherwise unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(names, form, async (values, sentAs) => {
        const sent = Object.fromEntries(nameFields.map((field) => [field, values[field].normalize(sentAs)]));
        const event = paymentEvent(sent);
        const response = await postEvent(door.ingest.app, tenantId, door.secret, event);
        expect(response.statusCode, response.body).toBe(202);
        const published = await door.topic.arrival(event.id);
        expect(published.event.data).toMatchObject(normalised(values));
      }),
      { numRuns: 60 },
    );
  });

  it('refuses a name with a control or bidirectional character as 422 problem+json naming the field, counts it, and forwards nothing', async () => {
    const marker = `pay_refused_${randomUUID().slice(0, 8)}`;
    let refused = 0;
    const before = await door.rejectedCount('invalid-event');
    await fc.assert(
      fc.asyncProperty(oneRefusedName, async ({ values, field }) => {
        refused += 1;
        const response = await postEvent(door.ingest.app, tenantId, door.secret, paymentEvent({ ...values, paymentId: `${marker}_${refused}` }));
        expect(response.statusCode, response.body).toBe(422);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = response.json();
        expect(problem.type).toBe(`${PROBLEM_BASE}invalid-event`);
        expect(problem.errors.map((error: { path: string }) => error.path)).toEqual([`$.data.${field}`]);
      }),
      { numRuns: 60 },
    );
    expect(await door.rejectedCount('invalid-event')).toBe(before + refused);
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('answers a batch of mixed names event by event: every valid one accepted unchanged, every refused one rejected', async () => {
    const marker = `pay_batch_${randomUUID().slice(0, 8)}`;
    const item = fc.oneof(names.map((values) => ({ values, refusedField: undefined })), oneRefusedName.map(({ values, field }) => ({ values, refusedField: field })));
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 12 }), async (items) => {
        const events = items.map(({ values, refusedField }) => paymentEvent({ ...values, paymentId: refusedField ? uniqueId(marker) : uniqueId('pay') }));
        const body = JSON.stringify({ events });
        const response = await door.ingest.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: `batch_${randomUUID()}`, url: '/v1/webhooks/payments:batch' }));
        expect(response.statusCode, response.body).toBe(200);
        const { results } = response.json();
        for (const [index, { values, refusedField }] of items.entries()) {
          if (refusedField) {
            expect(results[index]).toMatchObject({ status: 'rejected', problem: { errors: [{ path: `$.data.${refusedField}` }] } });
          } else {
            expect(results[index].status).toBe('accepted');
            expect((await door.topic.arrival(events[index]!.id)).event.data).toMatchObject(normalised(values));
          }
        }
      }),
      { numRuns: 15 },
    );
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('answers a retry that differs only in Unicode normalisation as a duplicate, not a conflict', async () => {
    const event = paymentEvent({ payerId: 'José_王', sku: 'Café Q币-100' }) as PaymentSucceeded;
    const decomposed: PaymentSucceeded = { ...event, data: { ...event.data, payerId: event.data.payerId.normalize('NFD'), sku: event.data.sku!.normalize('NFD') } };
    expect((await postEvent(door.ingest.app, tenantId, door.secret, decomposed)).statusCode).toBe(202);
    const retry = await postEvent(door.ingest.app, tenantId, door.secret, event);
    expect(retry.statusCode, retry.body).toBe(200);
    expect(retry.json().status).toBe('duplicate');
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, () => false);
    expect(door.topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
  });

  it('documents the Unicode names in /docs with patterns a JSON Schema validator compiles with the u flag', async () => {
    const document = (await door.ingest.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const patterns: string[] = [];
    JSON.stringify(document, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns.length).toBeGreaterThan(0);
    for (const pattern of patterns) expect(() => new RegExp(pattern, 'u'), pattern).not.toThrow();
    const payment = document.paths['/v1/webhooks/payments'].post.requestBody.content['application/json'].schema.oneOf
      .find((option: any) => option.properties.type.enum?.[0] === 'payment.succeeded' || option.properties.type.const === 'payment.succeeded');
    const { Ajv } = await import('ajv');
    const payerId = new Ajv({ strict: false }).compile(payment.properties.data.properties.payerId);
    expect(payerId('王小明')).toBe(true);
    expect(payerId('Steam Wallet 100')).toBe(true);
    expect(payerId('王小明\u202e')).toBe(false);
    expect(payerId(' 王小明')).toBe(false);
  });
});
