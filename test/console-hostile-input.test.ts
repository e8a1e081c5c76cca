import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@backstop/logging';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { buildApp } from '../services/console/src/app';
import { runCommand, UsageError } from '../services/console/src/cli/commands';
import { FlagNotifier } from '../services/console/src/flags/flag-notifier';
import { createIsolatedStack, type IsolatedStack } from './support/stack';

/** Whatever a caller sends, the console answers with a 4xx it can read, never a 5xx. */
describe('console under hostile input (property-based)', () => {
  let stack: IsolatedStack;
  let app: FastifyInstance;
  let notifier: FlagNotifier;
  let opsKey: string;
  let operatorKey: string;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId: 'shop', name: 'Shop' });
    opsKey = (await createApiKey(stack.pool, 'shop', 'ops')).apiKey;
    operatorKey = (await createApiKey(stack.pool, null, 'operator')).apiKey;
    notifier = new FlagNotifier(stack.databaseUrl, createLogger('hostile', 'silent'));
    app = await buildApp({ logger: createLogger('hostile', 'silent'), pool: stack.pool, notifier });
  });
  afterAll(async () => {
    await app?.close();
    await stack?.close();
  }, 60_000);

  const paramName = fc.constantFrom('type', 'severity', 'status', 'payer', 'from', 'to', 'limit', 'cursor', 'tenant', 'x', '__proto__', 'limit[]');
  const paramValue = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom('', '0', '-1', '1e309', 'NaN', "' OR 1=1 --", '2026-13-45T99:99:99Z', '%00', 'duplicate.exact', '9'.repeat(40)));

  it('answers any query string on the list endpoints with 200 or a 400 problem', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('/v1/flags', '/v1/refunds', '/v1/flags/stats'),
      fc.array(fc.tuple(paramName, paramValue), { maxLength: 5 }),
      fc.constantFrom(opsKey, operatorKey),
      async (path, params, key) => {
        const query = params.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
        const response = await app.inject({ method: 'GET', url: `${path}?${query}`, headers: { authorization: `Bearer ${key}` } });
        expect(response.statusCode, `${path}?${query}`).toBeLessThan(500);
        if (response.statusCode >= 400) expect(response.headers['content-type']).toContain('application/problem+json');
      },
    ), { numRuns: 150 });
  });

  it('answers any flag id, decision id, action and body with a 4xx at worst', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string({ minLength: 1 }), fc.uuid(), fc.constant('flg_' + '0'.repeat(32))),
      fc.constantFrom('approve', 'reject', 'false-positive', 'delete', ''),
      fc.oneof(fc.json(), fc.constant('{"reason":"x"}'), fc.string()),
      async (id, action, body) => {
        const flag = await app.inject({ method: 'GET', url: `/v1/flags/${encodeURIComponent(id)}`, headers: { authorization: `Bearer ${opsKey}` } });
        expect(flag.statusCode).toBeLessThan(500);
        const review = await app.inject({
          method: 'POST', url: `/v1/refunds/${encodeURIComponent(id)}/${action}`, payload: body,
          headers: { authorization: `Bearer ${opsKey}`, 'content-type': 'application/json' },
        });
        expect(review.statusCode, `${id} ${action} ${body}`).toBeLessThan(500);
      },
    ), { numRuns: 150 });
  });

  it('answers any Last-Event-ID with a stream or a 400 problem', async () => {
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    await fc.assert(fc.asyncProperty(
      fc.oneof(fc.string(), fc.tuple(fc.bigInt({ min: -1n, max: 2n ** 70n }), fc.bigInt({ min: -1n, max: 2n ** 70n })).map(([a, b]) => `${a}.${b}`)),
      async (lastEventId) => {
        if (/[\r\n\0]/.test(lastEventId) || [...lastEventId].some((c) => c.charCodeAt(0) > 255)) return; // not sendable as a header
        const controller = new AbortController();
        const response = await fetch(`${baseUrl}/v1/flags/stream`, {
          headers: { authorization: `Bearer ${opsKey}`, accept: 'text/event-stream', 'last-event-id': lastEventId },
          signal: controller.signal,
        }).catch((error: Error) => error);
        if (response instanceof Error) return; // rejected by the client before sending
        expect(response.status, lastEventId).toBeLessThan(500);
        controller.abort();
      },
    ), { numRuns: 100 });
  });

  it('answers any CLI arguments with a result or a usage error, never a crash', async () => {
    const word = fc.oneof(fc.constantFrom('tenant', 'key', 'secret', 'create', 'revoke', 'rotate', 'retire-old', 'shop'), fc.string({ maxLength: 20 }));
    const option = fc.record({ tenant: fc.option(fc.oneof(fc.constant('shop'), fc.string({ maxLength: 70 })), { nil: undefined }), role: fc.option(fc.oneof(fc.constantFrom('ops', 'finance', 'admin', 'operator'), fc.string()), { nil: undefined }), name: fc.option(fc.string(), { nil: undefined }), 'time-zone': fc.option(fc.oneof(fc.constant('Asia/Shanghai'), fc.string()), { nil: undefined }) });
    await fc.assert(fc.asyncProperty(fc.array(word, { maxLength: 4 }), option, async (words, options) => {
      try {
        await runCommand(stack.pool, { words, options });
      } catch (error) {
        if (!(error instanceof UsageError) && (error as { code?: string }).code !== 'rotation-in-progress') throw error;
      }
    }), { numRuns: 200 });
  });
});
