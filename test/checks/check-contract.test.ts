import { readFileSync } from 'node:fs';
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { exampleAnswer, exampleIntent } from '../../services/ingest/src/check/examples';
import { PROBLEM_BASE } from '@backstop/http';
import { generateWebhookSecret } from '@backstop/signing';
import { ingestDoorForTests, postCheck, signedRequest } from '../ingest/harness';
import { uniqueId } from '../support/webhooks';
import { intentFor } from './intents';

/** The check endpoint's door: who may ask, what a question must look like, and what is counted. */
describe('POST /v1/checks: authentication, input and metrics', () => {
  const door = ingestDoorForTests({ settings: { env: { INGEST_CHECK_DEADLINE_MS: '5000' } } });

  /** Checks answered so far whose labels include `labels`. */
  const checks = async (labels: Partial<Record<'verdict' | 'degraded', string>>) =>
    (await door.ingest.metrics.checks.get()).values
      .filter((value) => Object.entries(labels).every(([k, v]) => value.labels[k as 'verdict' | 'degraded'] === v))
      .reduce((sum, value) => sum + value.value, 0);

  it('answers an authentic, well-formed check 200 allow for a payer it knows nothing of, and counts it', async () => {
    const before = await checks({ verdict: 'allow', degraded: 'false' });
    const intent = intentFor({ payerId: uniqueId('u') });
    const response = await postCheck(door.ingest.app, door.tenantId, door.secret, intent);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ intentId: intent.intentId, verdict: 'allow', reasons: [], degraded: false });
    expect(await checks({ verdict: 'allow', degraded: 'false' })).toBe(before + 1);
  });

  it('is described in the OpenAPI document, whose examples fit its own schemas', async () => {
    const document = (await door.ingest.app.inject({ method: 'GET', url: '/docs/json' })).json();
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    const post = document.paths['/v1/checks'].post;
    const request = post.requestBody.content['application/json'];
    const answer = post.responses['200'].content['application/json'];
    expect(request.example).toEqual(exampleIntent);
    expect(answer.example).toEqual(exampleAnswer);
    const ajv = addFormats.default(new Ajv04({ strict: false, allErrors: true }));
    expect(ajv.validate(request.schema, request.example), ajv.errorsText()).toBe(true);
    expect(ajv.validate(answer.schema, answer.example), ajv.errorsText()).toBe(true);
  });

  it('is documented in docs/integration.md with the very examples a test runs', () => {
    const guide = readFileSync(new URL('../../docs/integration.md', import.meta.url), 'utf8');
    const section = guide.slice(guide.indexOf('## Pre-payment checks'), guide.indexOf('## Batches'));
    const blocks = [...section.matchAll(/```json\n([\s\S]*?)\n```/g)].map((match) => JSON.parse(match[1]!));
    expect(blocks).toEqual([exampleIntent, exampleAnswer]);
  });

  describe('rejects bad input with problem+json, counts it, and changes nothing', () => {
    const payerId = uniqueId('u_bad');
    const good = () => intentFor({ payerId });
    const cases: { name: string; status: number; reason: string; path?: string; request: () => Parameters<typeof signedRequest>[0] }[] = [
      { name: 'malformed JSON', status: 400, reason: 'malformed-json', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: '{"intentId": ', url: '/v1/checks' }) },
      { name: 'a paymentId: none exists before the charge', status: 422, reason: 'invalid-check', path: '$.paymentId', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify({ ...good(), paymentId: 'pay_1' }), url: '/v1/checks' }) },
      { name: 'no intentId', status: 422, reason: 'invalid-check', path: '$.intentId', request: () => { const { intentId: _i, ...rest } = good(); return { tenantId: door.tenantId, secret: door.secret, body: JSON.stringify(rest), url: '/v1/checks' }; } },
      { name: 'an amount in decimals', status: 422, reason: 'invalid-check', path: '$.amount', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify({ ...good(), amount: 30.5 }), url: '/v1/checks' }) },
      { name: 'an unknown currency', status: 422, reason: 'invalid-check', path: '$.currency', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify({ ...good(), currency: 'XXY' }), url: '/v1/checks' }) },
      { name: 'an amount beyond a trillion yuan', status: 422, reason: 'amount-out-of-range', path: '$.amount', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify({ ...good(), amount: 10 ** 15, unitPrice: undefined }), url: '/v1/checks' }) },
      { name: 'a signature with another secret', status: 401, reason: 'invalid-signature', request: () => ({ tenantId: door.tenantId, secret: generateWebhookSecret(), body: JSON.stringify(good()), url: '/v1/checks' }) },
      { name: 'an unknown tenant', status: 401, reason: 'invalid-signature', request: () => ({ tenantId: 'nosuchshop', secret: door.secret, body: JSON.stringify(good()), url: '/v1/checks' }) },
      { name: 'a stale timestamp', status: 401, reason: 'stale-timestamp', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify(good()), url: '/v1/checks', timestamp: new Date(Date.now() - 3_600_000) }) },
      { name: 'not JSON', status: 415, reason: 'unsupported-media-type', request: () => ({ tenantId: door.tenantId, secret: door.secret, body: JSON.stringify(good()), url: '/v1/checks', headers: { 'content-type': 'text/plain' } }) },
    ];

    for (const testCase of cases) {
      it(testCase.name, async () => {
        const before = await door.rejectedCount(testCase.reason);
        const checksBefore = await checks({});
        const response = await door.ingest.app.inject(signedRequest(testCase.request()));
        expect(response.statusCode, response.body).toBe(testCase.status);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        const problem = response.json();
        expect(problem).toMatchObject({ type: PROBLEM_BASE + testCase.reason, status: testCase.status });
        if (testCase.path) expect(problem.errors.map((e: { path: string }) => e.path)).toContain(testCase.path);
        expect(await door.rejectedCount(testCase.reason)).toBe(before + 1);
        expect(await checks({})).toBe(checksBefore);
      });
    }

    it('left no state behind for the payer and nothing on the events topic', async () => {
      expect(await door.stack.redis.keys(`${door.stack.redisPrefix}:*${payerId}*`)).toEqual([]);
      await door.topic.expectNothingBefore(door.ingest.app, door.tenantId, door.secret, (_event, raw) => raw.includes(payerId));
    });
  });
});
