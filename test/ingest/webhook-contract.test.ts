import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { generateWebhookSecret } from '@backstop/signing';
import { addWebhookSecret } from '@backstop/tenancy';
import { paymentEvent, uniqueId } from '../support/webhooks';
import type { InjectOptions } from 'fastify';
import { ingestDoorForTests, postEvent, signedRequest, startIngest } from './harness';

describe('the webhook endpoint, on real Kafka and Redis', () => {
  const tenantId = 'cardshop';
  const door = ingestDoorForTests({ tenantId, tenantName: 'Card shop', settings: { bodyLimit: 64 * 1024 } });

  it('accepts a request signed by the reference standardwebhooks signer, and not one signed with another secret', async () => {
    const event = paymentEvent();
    const body = JSON.stringify(event);
    const signAt = new Date();
    const reference = new Webhook(door.secret).sign(event.id, signAt, body);
    const headers = { 'content-type': 'application/json', 'x-tenant-id': tenantId, 'webhook-id': event.id, 'webhook-timestamp': String(Math.floor(signAt.getTime() / 1000)) };

    const forged = await door.ingest.app.inject({ method: 'POST', url: '/v1/webhooks/payments', payload: body, headers: { ...headers, 'webhook-signature': new Webhook(generateWebhookSecret()).sign(event.id, signAt, body) } });
    expect(forged.statusCode).toBe(401);

    const accepted = await door.ingest.app.inject({ method: 'POST', url: '/v1/webhooks/payments', payload: body, headers: { ...headers, 'webhook-signature': reference } });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.json()).toMatchObject({ status: 'accepted', eventId: event.id, marks: [] });
    const published = await door.topic.arrival(event.id);
    expect(published).toMatchObject({ v: 1, tenantId, event });
    expect(door.topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
  });

  it('accepts either of two active secrets during a rotation', async () => {
    const rotated = await (async () => {
      const next = generateWebhookSecret();
      await addWebhookSecret(door.stack.pool, tenantId, next);
      return next;
    })();
    for (const key of [door.secret, rotated]) {
      const response = await postEvent(door.ingest.app, tenantId, key, paymentEvent());
      expect(response.statusCode).toBe(202);
    }
  });

  describe('rejects bad input with problem+json, counts it, and forwards nothing', () => {
    interface Case {
      name: string;
      status: number;
      reason: string;
      request: (marker: string) => InjectOptions;
      field?: string;
    }
    const signedEvent = (mutate: (event: Record<string, any>) => void, options: { tenant?: string; key?: string; at?: Date } = {}) => (marker: string) => {
      const event = paymentEvent({ payerId: marker }) as Record<string, any>;
      const id = String(event.id);
      mutate(event);
      return signedRequest({ tenantId: options.tenant ?? tenantId, secret: options.key ?? door.secret, body: JSON.stringify(event), id, timestamp: options.at });
    };
    const signedBody = (body: (marker: string) => string, headers: Record<string, string> = {}) => (marker: string) =>
      signedRequest({ tenantId, secret: door.secret, body: body(marker), id: `evt_${marker}`, headers });
    /** Turns the signed payment into a refund outcome of the same payer, so the marker still finds it. */
    const refundOutcome = (event: Record<string, any>, type: 'refund.succeeded' | 'refund.failed', amount: number, currency: string) => {
      event.type = type;
      event.data = { paymentId: event.data.paymentId, payerId: event.data.payerId, amount, currency, decisionId: randomUUID() };
    };
    const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

    const cases: Case[] = [
      { name: 'a signature made with another secret', status: 401, reason: 'invalid-signature', request: signedEvent(() => undefined, { key: generateWebhookSecret() }) },
      {
        name: 'no signature', status: 401, reason: 'missing-signature',
        request: (marker): InjectOptions => ({ method: 'POST', url: '/v1/webhooks/payments', headers: { 'content-type': 'application/json', 'x-tenant-id': tenantId }, payload: JSON.stringify(paymentEvent({ payerId: marker })) }),
      },
      { name: 'a timestamp 6 minutes old (a replay)', status: 401, reason: 'stale-timestamp', request: signedEvent(() => undefined, { at: new Date(Date.now() - 6 * 60_000) }) },
      { name: 'a timestamp 6 minutes ahead', status: 401, reason: 'stale-timestamp', request: signedEvent(() => undefined, { at: new Date(Date.now() + 6 * 60_000) }) },
      { name: 'an unknown tenant (same answer as a bad signature)', status: 401, reason: 'invalid-signature', request: signedEvent(() => undefined, { tenant: 'nobody' }) },
      { name: 'malformed JSON', status: 400, reason: 'malformed-json', request: signedBody((marker) => `{"id":"${marker}",`) },
      { name: 'an unknown event type', status: 422, reason: 'unknown-event-type', field: '$.type', request: signedEvent((event) => { event.type = 'payment.maybe'; }) },
      { name: 'a missing field', status: 422, reason: 'invalid-event', field: '$.data.orderId', request: signedEvent((event) => { delete event.data.orderId; }) },
      { name: 'an extra field', status: 422, reason: 'invalid-event', field: '$.data.coupon', request: signedEvent((event) => { event.data.coupon = 'X'; }) },
      { name: 'a fractional amount', status: 422, reason: 'invalid-event', field: '$.data.amount', request: signedEvent((event) => { event.data.amount = 30.5; }) },
      { name: 'a negative amount', status: 422, reason: 'invalid-event', field: '$.data.amount', request: signedEvent((event) => { event.data.amount = -3000; }) },
      // Postgres cannot store a NUL: accepted, it would fail every later write that carries it.
      { name: 'a NUL in the recipient account', status: 422, reason: 'invalid-event', field: '$.data.recipientAccount', request: signedEvent((event) => { event.data.recipientAccount = '8000\u0000123456'; }) },
      { name: 'a control character in the channel', status: 422, reason: 'invalid-event', field: '$.data.channel', request: signedEvent((event) => { event.data.channel = 'ali\u0007pay'; }) },
      // A right-to-left override makes a reviewer read text backwards (`gpj.exe` as `exe.jpg`).
      { name: 'a bidirectional override in the channel', status: 422, reason: 'invalid-event', field: '$.data.channel', request: signedEvent((event) => { event.data.channel = 'alipay\u202e'; }) },
      { name: 'a sku over 128 bytes of UTF-8', status: 422, reason: 'invalid-event', field: '$.data.sku', request: signedEvent((event) => { event.data.sku = '腾讯Q币'.repeat(13); }) },
      { name: 'a category that is only an ideographic space', status: 422, reason: 'invalid-event', field: '$.data.category', request: signedEvent((event) => { event.data.category = '\u3000'; }) },
      { name: 'an unknown currency', status: 422, reason: 'invalid-event', field: '$.data.currency', request: signedEvent((event) => { event.data.currency = 'ABC'; }) },
      { name: 'an amount beyond what the currency\'s exponent allows', status: 422, reason: 'amount-out-of-range', field: '$.data.amount', request: signedEvent((event) => { Object.assign(event.data, { currency: 'JPY', amount: 10 ** 13, unitPrice: undefined }); }) },
      { name: 'a refund.succeeded of 2^53 − 1 fen', status: 422, reason: 'amount-out-of-range', field: '$.data.amount', request: signedEvent((event) => { refundOutcome(event, 'refund.succeeded', Number.MAX_SAFE_INTEGER, 'CNY'); }) },
      { name: 'a refund.failed of 10^13 yen', status: 422, reason: 'amount-out-of-range', field: '$.data.amount', request: signedEvent((event) => { refundOutcome(event, 'refund.failed', 10 ** 13, 'JPY'); }) },
      { name: 'occurredAt more than 5 minutes ahead', status: 422, reason: 'occurred-in-future', field: '$.occurredAt', request: signedEvent((event) => { event.occurredAt = new Date(Date.now() + 10 * 60_000).toISOString(); }) },
      { name: 'occurredAt older than the horizon', status: 422, reason: 'occurred-too-long-ago', field: '$.occurredAt', request: signedEvent((event) => { event.occurredAt = hoursAgo(8 * 24); }) },
      { name: 'a body id that differs from webhook-id', status: 422, reason: 'event-id-mismatch', field: '$.id', request: signedEvent((event) => { event.id = `${event.id}_other`; }) },
      { name: 'a body over the size limit', status: 413, reason: 'body-too-large', request: signedEvent((event) => { event.data.channel = 'x'.repeat(70 * 1024); }) },
      { name: 'a wrong content type', status: 415, reason: 'unsupported-media-type', request: signedBody((marker) => JSON.stringify(paymentEvent({ payerId: marker })), { 'content-type': 'text/plain' }) },
      {
        name: 'an empty body without a content type', status: 415, reason: 'unsupported-media-type',
        request: (marker): InjectOptions => {
          const signed = signedBody(() => '')(marker);
          const { 'content-type': _dropped, ...headers } = signed.headers as Record<string, string>;
          return { ...signed, headers };
        },
      },
    ];

    it.each(cases)('$name → $status $reason', async ({ status, reason, request, field }) => {
      const marker = uniqueId('u_rejected');
      const before = await door.rejectedCount(reason);
      const response = await door.ingest.app.inject(request(marker));
      expect(response.statusCode).toBe(status);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = response.json();
      expect(problem).toMatchObject({ type: PROBLEM_BASE + reason, status });
      if (field) expect(problem.errors.map((error: { path: string }) => error.path)).toContain(field);
      expect(await door.rejectedCount(reason)).toBe(before + 1);
      await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (_event, raw) => raw.includes(marker));
    });

    it('answers an unknown tenant exactly as a bad signature', async () => {
      const named = (prefix: string) => cases.find((c) => c.name.startsWith(prefix))!;
      const unknownTenant = await door.ingest.app.inject(named('an unknown tenant').request(uniqueId('u')));
      const badSignature = await door.ingest.app.inject(named('a signature made with another secret').request(uniqueId('u')));
      expect(unknownTenant.json()).toEqual(badSignature.json());
    });
  });

  it('accepts amount ≠ unitPrice × quantity but marks it', async () => {
    const event = paymentEvent({ quantity: 2, unitPrice: 3000, amount: 30000 });
    const response = await postEvent(door.ingest.app, tenantId, door.secret, event);
    expect(response.statusCode).toBe(202);
    expect(response.json().marks).toEqual(['amount_mismatch']);
    expect((await door.topic.arrival(event.id)).marks).toEqual(['amount_mismatch']);
  });

  it('accepts an event whose signed body starts with a UTF-8 byte order mark, as some HTTP clients send it', async () => {
    const event = paymentEvent({ sku: '腾讯Q币-100' });
    const body = `\uFEFF${JSON.stringify(event)}`;
    const response = await door.ingest.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: event.id }));
    expect(response.statusCode, response.body).toBe(202);
    expect((await door.topic.arrival(event.id)).event).toEqual(event);
  });

  it('reads optional fields sent as null as left out, as Java and C# JSON writers send them, and refuses a required one sent as null', async () => {
    const event = paymentEvent({ kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, channel: undefined, recipientAccount: '5123456789' });
    const withNulls = { ...event, data: { ...event.data, sku: null, category: null, unitPrice: null, orderAmount: null, channel: null, intentId: null } };
    const response = await postEvent(door.ingest.app, tenantId, door.secret, withNulls);
    expect(response.statusCode, response.body).toBe(202);
    const published = (await door.topic.arrival(event.id)).event;
    expect(published).toEqual(JSON.parse(JSON.stringify(event)));
    expect(Object.values(published.data)).not.toContain(null);

    const requiredNull = paymentEvent();
    const refused = await postEvent(door.ingest.app, tenantId, door.secret, { ...requiredNull, data: { ...requiredNull.data, orderId: null } });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors.map((error: { path: string }) => error.path)).toEqual(['$.data.orderId']);
  });

  it('turns five deliveries of one event into one Kafka message, each retry answered with the original acceptance', async () => {
    // Marked, so the retries show they carry the original's marks too.
    const event = paymentEvent({ quantity: 3, unitPrice: 1000, amount: 30000 });
    const answers: Awaited<ReturnType<typeof postEvent>>[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) answers.push(await postEvent(door.ingest.app, tenantId, door.secret, event));
    expect(answers.map((answer) => answer.statusCode)).toEqual([202, 200, 200, 200, 200]);
    const original = answers[0]!.json().receivedAt;
    expect(answers[0]!.json().marks).toEqual(['amount_mismatch']);
    for (const retry of answers.slice(1)) expect(retry.json()).toEqual({ status: 'duplicate', eventId: event.id, receivedAt: original, marks: ['amount_mismatch'] });
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, () => false);
    expect(door.topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
  });

  it('answers 409 to the same event id with a different body, and forwards only the first', async () => {
    const event = paymentEvent({ amount: 3000 });
    expect((await postEvent(door.ingest.app, tenantId, door.secret, event)).statusCode).toBe(202);
    const changed = { ...event, data: { ...event.data, amount: 6000, unitPrice: 6000 } };
    const conflict = await postEvent(door.ingest.app, tenantId, door.secret, changed);
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().type).toBe(`${PROBLEM_BASE}event-id-reused`);
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (message) => message.event.id === event.id && message.event.type === 'payment.succeeded' && message.event.data.amount === 6000);
    expect(door.topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
  });

  it('accepts the good events of a batch and rejects the bad one with its reason', async () => {
    const good = [paymentEvent(), paymentEvent(), paymentEvent()];
    const bad = { ...paymentEvent(), data: { ...paymentEvent().data, currency: 'ABC' } };
    const alreadyAccepted = paymentEvent();
    expect((await postEvent(door.ingest.app, tenantId, door.secret, alreadyAccepted)).statusCode).toBe(202);
    const body = JSON.stringify({ events: [good[0], bad, good[1], alreadyAccepted, good[2]] });
    const response = await door.ingest.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: `batch_${randomUUID()}`, url: '/v1/webhooks/payments:batch' }));
    expect(response.statusCode).toBe(200);
    const { results } = response.json();
    expect(results.map((result: { status: string }) => result.status)).toEqual(['accepted', 'rejected', 'accepted', 'duplicate', 'accepted']);
    expect(results[1]).toMatchObject({ index: 1, eventId: bad.id, problem: { type: `${PROBLEM_BASE}invalid-event`, errors: [{ path: '$.data.currency' }] } });
    for (const event of good) await door.topic.arrival(event.id);
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (message) => message.event.id === bad.id);
    expect(door.topic.events().filter((message) => message.event.id === alreadyAccepted.id)).toHaveLength(1);
  });

  it('answers the same event twice in one batch as one event, and a reused id in it as a conflict', async () => {
    const event = paymentEvent();
    const reused = { ...event, data: { ...event.data, amount: 9000, unitPrice: 9000 } };
    const body = JSON.stringify({ events: [event, event, reused] });
    const response = await door.ingest.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: `batch_${randomUUID()}`, url: '/v1/webhooks/payments:batch' }));
    const { results } = response.json();
    expect(results.map((result: { status: string }) => result.status)).toEqual(['accepted', 'duplicate', 'rejected']);
    expect(results[1].receivedAt).toBe(results[0].receivedAt);
    expect(results[2].problem.type).toBe(`${PROBLEM_BASE}event-id-reused`);
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, () => false);
    expect(door.topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
  });

  it('rejects a batch over 500 events as a whole', async () => {
    const events = Array.from({ length: 501 }, () => paymentEvent());
    const body = JSON.stringify({ events });
    const big = await startIngest(door.stack, { bodyLimit: 4 * 1024 * 1024 });
    try {
      const response = await big.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: `batch_${randomUUID()}`, url: '/v1/webhooks/payments:batch' }));
      expect(response.statusCode).toBe(422);
      expect(response.json().type).toBe(`${PROBLEM_BASE}invalid-batch`);
    } finally {
      await big.close();
    }
    await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (message) => message.event.id === events[0]!.id);
  });

  it('answers 429 with Retry-After once a tenant spends its token bucket', async () => {
    // A trickle of a refill (one event every 1000 s), so a slow machine cannot refill the bucket mid-test.
    const limited = await startIngest(door.stack, { rateOverrides: { [tenantId]: { eventsPerSecond: 0.001, burst: 500 } } });
    try {
      const body = JSON.stringify({ events: Array.from({ length: 500 }, () => paymentEvent()) });
      const first = await limited.app.inject(signedRequest({ tenantId: 'ratelimited', secret: door.secret, body, id: 'b1', url: '/v1/webhooks/payments:batch' }));
      // The tenant does not exist: the bucket is spent only after the signature holds.
      expect(first.statusCode).toBe(401);
      const spend = await limited.app.inject(signedRequest({ tenantId, secret: door.secret, body, id: 'b2', url: '/v1/webhooks/payments:batch' }));
      expect(spend.statusCode).toBe(200);
      const over = paymentEvent();
      const response = await postEvent(limited.app, tenantId, door.secret, over);
      expect(response.statusCode).toBe(429);
      expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(response.json().type).toBe(`${PROBLEM_BASE}rate-limited`);
      await door.topic.expectNothingBefore(door.ingest.app, tenantId, door.secret, (message) => message.event.id === over.id);
    } finally {
      await limited.close();
    }
  });

  it('reports itself live and ready', async () => {
    expect((await door.ingest.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await door.ingest.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
  });

  it('serves its OpenAPI document, generated from the contract schemas, at /docs', async () => {
    const page = await door.ingest.app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBeLessThan(400);
    const document = (await door.ingest.app.inject({ method: 'GET', url: '/docs/json' })).json();
    const single = document.paths['/v1/webhooks/payments'].post;
    const eventTypes = single.requestBody.content['application/json'].schema.oneOf.map((option: any) => option.properties.type.enum?.[0] ?? option.properties.type.const);
    expect(eventTypes.sort()).toEqual(['order.delivered', 'payment.succeeded', 'refund.failed', 'refund.succeeded']);
    expect(document.paths['/v1/webhooks/payments:batch'].post.requestBody.content['application/json'].schema.properties.events.maxItems).toBe(500);
  });

  it('exposes accepted, rejected by reason, duplicates and latency on /metrics', async () => {
    const text = (await door.ingest.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/backstop_ingest_events_accepted_total\{type="payment.succeeded"\} [1-9]/);
    expect(text).toMatch(/backstop_ingest_rejected_total\{reason="invalid-signature"\} [1-9]/);
    expect(text).toMatch(/backstop_ingest_duplicate_deliveries_total [1-9]/);
    expect(text).toMatch(/backstop_ingest_request_duration_seconds_bucket\{le="[^"]+",route="\/v1\/webhooks\/payments",status="202"\}/);
    expect(text).toMatch(/backstop_ingest_request_duration_seconds_count\{route="\/v1\/webhooks\/payments:batch",status="200"\} [1-9]/);
  });
});
