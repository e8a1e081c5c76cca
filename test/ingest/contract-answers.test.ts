import { describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { intentFor } from '../checks/intents';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { ingestDoorForTests, postCheck, postEvent, signedRequest } from './harness';

/** What an integrator is told at the signed doors, in the words that send them to the right fix, on real Kafka and Redis. */
describe('answers that name the actual mistake', () => {
  const door = ingestDoorForTests();

  async function expectRefused(send: () => ReturnType<typeof postEvent>, status: number, reason: string) {
    const before = await door.rejectedCount(reason);
    const response = await send();
    expect(response.statusCode, response.body).toBe(status);
    expect(response.json()).toMatchObject({ type: PROBLEM_BASE + reason, status });
    expect(await door.rejectedCount(reason)).toBe(before + 1);
    return response.json();
  }

  it('says a missing x-tenant-id is missing, naming every header a signed request needs', async () => {
    const marker = uniqueId('u_no_tenant');
    const event = paymentEvent({ payerId: marker });
    const { 'x-tenant-id': _tenant, ...headers } = signedRequest({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify(event), id: event.id }).headers as Record<string, string>;
    const problem = await expectRefused(() => door.ingest.app.inject({ method: 'POST', url: '/v1/webhooks/payments', headers, payload: JSON.stringify(event) }), 401, 'missing-signature');
    expect(problem.detail).toMatch(/^Missing x-tenant-id: .*x-tenant-id, webhook-id, webhook-timestamp, webhook-signature/);
    expect(problem.detail).not.toMatch(/secret/);
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('says a timestamp that is not integer seconds has the wrong form, though it is about now', async () => {
    const marker = uniqueId('u_timestamp');
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [`${now}.123`, `+${now}`, `${now / 1e9}e9`, String(now * 1000)]) {
      const event = paymentEvent({ payerId: marker });
      const request = signedRequest({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify(event), id: event.id, headers: { 'webhook-timestamp': timestamp } });
      const problem = await expectRefused(() => door.ingest.app.inject(request), 401, 'invalid-timestamp');
      expect(problem.detail, timestamp).toContain('integer count of seconds');
    }
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('reports each offending field once, in the single door, the batch and the check', async () => {
    const broken = { amount: 2 ** 60, currency: 'cny', unitPrice: -5 };
    const paths = ['$.data.unitPrice', '$.data.amount', '$.data.currency'];
    const single = await postEvent(door.ingest.app, door.tenantId, door.secret, { ...paymentEvent(), data: { ...paymentEvent().data, ...broken } });
    expect(single.statusCode).toBe(422);
    expect(single.json().errors.map((error: { path: string }) => error.path).sort()).toEqual([...paths].sort());

    const body = JSON.stringify({ events: [{ ...paymentEvent(), data: { ...paymentEvent().data, amount: -3000 } }] });
    const batch = await door.ingest.app.inject(signedRequest({ tenantId: door.tenantId, secret: door.secret, body, id: uniqueId('batch'), url: '/v1/webhooks/payments:batch' }));
    expect(batch.json().results[0].problem.errors).toEqual([{ path: '$.data.amount', message: 'must be greater than zero' }]);

    const check = await postCheck(door.ingest.app, door.tenantId, door.secret, { ...intentFor({}), currency: 'usd' });
    expect(check.json().errors).toEqual([{ path: '$.currency', message: 'an ISO 4217 code in capitals, such as CNY' }]);
  });

  it('takes every ISO 4217 currency with minor units, bounded by its own exponent, and refuses those without', async () => {
    const accepted = [
      paymentEvent({ currency: 'CLF', amount: 10 ** 15, unitPrice: 10 ** 15 }),
      paymentEvent({ currency: 'UYW', amount: 12_345, unitPrice: 12_345 }),
      paymentEvent({ currency: 'SLL', amount: 10 ** 14, unitPrice: 10 ** 14 }),
      paymentEvent({ currency: 'IDR', amount: 10 ** 14, unitPrice: 10 ** 14 }),
    ];
    for (const event of accepted) {
      const response = await postEvent(door.ingest.app, door.tenantId, door.secret, event);
      expect(response.statusCode, response.body).toBe(202);
      await door.topic.arrival(event.id);
    }
    const marker = uniqueId('u_currency');
    const overSll = paymentEvent({ payerId: marker, currency: 'SLL', amount: 10 ** 14 + 1, unitPrice: undefined });
    await expectRefused(() => postEvent(door.ingest.app, door.tenantId, door.secret, overSll), 422, 'amount-out-of-range');
    for (const currency of ['XAU', 'XDR']) {
      const problem = await expectRefused(() => postEvent(door.ingest.app, door.tenantId, door.secret, paymentEvent({ payerId: marker, currency })), 422, 'invalid-event');
      expect(problem.errors, currency).toEqual([{ path: '$.data.currency', message: expect.stringContaining('without minor units') }]);
    }
    await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(marker));
  });

  it('takes an occurredAt with lower-case "t" and "z", as RFC 3339 allows, and passes it on upper-cased', async () => {
    const event = paymentEvent();
    const sent = { ...event, occurredAt: event.occurredAt.replace('T', 't').replace('Z', 'z') };
    const response = await postEvent(door.ingest.app, door.tenantId, door.secret, sent);
    expect(response.statusCode, response.body).toBe(202);
    expect((await door.topic.arrival(event.id)).event.occurredAt).toBe(event.occurredAt);
  });

  it('documents that an amount is at least one minor unit', async () => {
    const document = (await door.ingest.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const events = document.paths['/v1/webhooks/payments'].post.requestBody.content['application/json'].schema.oneOf;
    const amounts = events.flatMap((option: any) => (option.properties.data.properties.amount ? [option.properties.data.properties.amount] : []));
    expect(amounts).toHaveLength(3);
    for (const amount of amounts) expect(amount).toMatchObject({ type: 'integer', minimum: 1 });
    expect(document.paths['/v1/checks'].post.requestBody.content['application/json'].schema.properties.amount).toMatchObject({ minimum: 1 });
  });
});
