import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveRefundPolicy } from '@backstop/ledger';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { issuePayerLink } from '../services/console/src/payer/payer-links';
import { classicHostileValues, hostileString } from './support/hostile-strings';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { startConsole, type ConsoleUnderTest } from './support/console';
import { paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';

/** Each endpoint's query parameters with a value it accepts, so a run gets past them to the hostile one. */
const acceptedQueries: Record<string, Record<string, string>> = {
  '/v1/flags': { type: 'duplicate.exact', severity: 'high', status: 'pending_review', payer: 'u_1', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', limit: '10', cursor: '5', tenant: 'shop' },
  '/v1/flags/stats': { tenant: 'shop' },
  '/v1/refunds': { tenant: 'shop', status: 'approved', flagType: 'amount.outlier', currency: 'CNY', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', limit: '10', cursor: 'WyIxIiwiMDAwMDAwMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDAwIl0' },
  '/v1/refunds.csv': { tenant: 'shop', status: 'approved', flagType: 'amount.outlier', currency: 'CNY', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z' },
  '/v1/finance/reconciliation': { tenant: 'shop', from: '2026-11-20', to: '2026-11-21', by: 'merchant' },
  '/v1/finance/reconciliation.csv': { tenant: 'shop', from: '2026-11-20', to: '2026-11-21', by: 'channel' },
  '/v1/finance/mismatches': { tenant: 'shop', slaHours: '24', limit: '10' },
  '/v1/policy': {},
  '/v1/rules': {},
  '/v1/notifications': { status: 'pending', limit: '10' },
};

/** Each body-taking endpoint's body as it is accepted; `fresh` is a tenant id nobody has yet. */
const acceptedBodies: Record<string, (fresh: string) => Record<string, unknown>> = {
  'POST /v1/admin/tenants': (fresh) => ({ tenantId: fresh, name: 'Shop', timeZone: 'Asia/Shanghai' }),
  'POST /v1/admin/keys': () => ({ tenantId: 'shop', role: 'finance' }),
  'POST /v1/admin/secrets/rotate': () => ({ tenantId: 'shop' }),
  'POST /v1/admin/secrets/retire-old': () => ({ tenantId: 'shop' }),
  'PUT /v1/policy': () => ({ v: 1, killSwitch: false }),
  'PUT /v1/rules': () => ({ 'velocity.burst': { enabled: false } }),
  'PUT /v1/refund-webhook': () => ({ url: 'https://example.com/refunds' }),
  'PUT /v1/notification-webhook': () => ({ url: 'https://example.com/flag-decided' }),
  [`POST /v1/flags/flg_${'0'.repeat(32)}/payer-links`]: () => ({ expiresInHours: 24 }),
};

const strangeNames = ['x', '__proto__', 'limit[]'];

/** A payer's answer as the answer route must take it: one field, `answer`, one of the two values. */
const choices = new Set(['mistake', 'intended']);
const isAnswer = (value: unknown) => typeof value === 'object' && value !== null && !Array.isArray(value)
  && Object.keys(value).length === 1 && Object.hasOwn(value, 'answer') && choices.has((value as { answer: unknown }).answer as string);
const jsonIsAnswer = (text: string) => {
  try {
    return isAnswer(JSON.parse(text));
  } catch {
    return false;
  }
};
/** As a browser sends the page's form: one pair, `answer=` and a choice. */
const formIsAnswer = (text: string) => {
  const pairs = [...new URLSearchParams(text)];
  return pairs.length === 1 && pairs[0]![0] === 'answer' && choices.has(pairs[0]![1]);
};
const query = (params: Record<string, string>) => Object.entries(params).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');

/**
 * Whatever a caller sends, the console answers with a 4xx it can read, never a 5xx. Each
 * parameter and field is attacked in turn while the others hold accepted values, and every
 * classic hostile value is tried on each before the random ones.
 */
describe('console under hostile input (property-based)', () => {
  let stack: IsolatedStack;
  let app: FastifyInstance;
  let served: ConsoleUnderTest;
  let keys: { ops: string; finance: string; admin: string; operator: string };
  let baseUrl: string;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId: 'shop', name: 'Shop' });
    keys = {
      ops: (await createApiKey(stack.pool, 'shop', 'ops')).apiKey,
      finance: (await createApiKey(stack.pool, 'shop', 'finance')).apiKey,
      admin: (await createApiKey(stack.pool, 'shop', 'admin')).apiKey,
      operator: (await createApiKey(stack.pool, null, 'operator')).apiKey,
    };
    served = await startConsole(stack);
    ({ app, baseUrl } = served);
  });
  afterAll(async () => {
    await served?.close();
    await stack?.close();
  }, 60_000);

  const anyKey = () => fc.constantFrom(keys.ops, keys.finance, keys.admin, keys.operator);
  const expectReadableAnswer = (status: number, contentType: unknown, what: string) => {
    expect(status, what).toBeLessThan(500);
    if (status >= 400) expect(String(contentType), what).toContain('application/problem+json');
  };
  /** Every (endpoint, parameter) pair, with the endpoint's other parameters to send alongside. */
  const parameterTargets = (paths: string[]) => paths.flatMap((path) =>
    [...Object.keys(acceptedQueries[path]!), ...strangeNames].map((name) => ({ path, name, others: acceptedQueries[path]! })));
  const alongside = (others: Record<string, string>, name: string) =>
    fc.subarray(Object.keys(others).filter((other) => other !== name)).map((chosen) => Object.fromEntries(chosen.map((other) => [other, others[other]!])));

  it('answers any value of any parameter on every list, stats and export endpoint with 200 or a 4xx problem', async () => {
    for (const { path, name, others } of parameterTargets(Object.keys(acceptedQueries))) {
      await fc.assert(fc.asyncProperty(hostileString(), alongside(others, name), anyKey(), async (value, accepted, key) => {
        const url = `${path}?${query({ ...accepted, [name]: value })}`;
        const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
        expectReadableAnswer(response.statusCode, response.headers['content-type'], url);
      }), { numRuns: 15, examples: classicHostileValues.map((value): [string, Record<string, string>, string] => [value, others, keys.operator]) });
    }
  });

  it('answers any value of any parameter on the live feed with a stream or a 4xx problem', async () => {
    for (const { path, name, others } of parameterTargets(['/v1/flags'])) {
      await fc.assert(fc.asyncProperty(hostileString(), alongside(others, name), anyKey(), async (value, accepted, key) => {
        const controller = new AbortController();
        const url = `${baseUrl}${path}/stream?${query({ ...accepted, [name]: value })}`;
        const response = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' }, signal: controller.signal });
        expectReadableAnswer(response.status, response.headers.get('content-type'), url);
        controller.abort();
      }), { numRuns: 5, examples: classicHostileValues.map((value): [string, Record<string, string>, string] => [value, {}, keys.operator]) });
    }
  });

  it('answers any value of any field on the settings and admin endpoints with a 2xx or a 4xx problem', async () => {
    const value = fc.oneof(hostileString(), fc.integer(), fc.boolean(), fc.constant(null), fc.json({ maxDepth: 2 }).map((text) => JSON.parse(text) as unknown));
    const fresh = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/);
    for (const [route, accepted] of Object.entries(acceptedBodies)) {
      const [method, url] = route.split(' ') as ['POST' | 'PUT', string];
      for (const [position, name] of [...Object.keys(accepted('x')), 'extra'].entries()) {
        await fc.assert(fc.asyncProperty(value, fresh, fc.constantFrom(keys.admin, keys.operator), async (field, tenantId, key) => {
          const payload = JSON.stringify({ ...accepted(tenantId), [name]: field });
          const response = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
          expectReadableAnswer(response.statusCode, response.headers['content-type'], `${route} ${payload}`);
        }), { numRuns: 15, examples: classicHostileValues.map((field, index): [unknown, string, string] => [field, `t${position}-${index}`, keys.operator]) });
      }
      // Not a JSON object at all.
      await fc.assert(fc.asyncProperty(fc.oneof(fc.json(), hostileString()), async (payload) => {
        const response = await app.inject({ method, url, payload, headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' } });
        expectReadableAnswer(response.statusCode, response.headers['content-type'], `${route} ${payload}`);
      }), { numRuns: 20 });
    }
  });

  it('answers any flag id, decision id, key id, action and body with a 4xx at worst', async () => {
    const id = fc.oneof(hostileString().filter((value) => value.length > 0), fc.uuid(), fc.constant('flg_' + '0'.repeat(32)), fc.constant('0123456789abcdef'));
    await fc.assert(fc.asyncProperty(
      id,
      fc.constantFrom('approve', 'reject', 'false-positive', 'delete', ''),
      fc.oneof(fc.json(), fc.constant('{"reason":"x"}'), hostileString().map((reason) => JSON.stringify({ reason })), fc.string()),
      async (target, action, body) => {
        const path = encodeURIComponent(target);
        const flag = await app.inject({ method: 'GET', url: `/v1/flags/${path}`, headers: { authorization: `Bearer ${keys.ops}` } });
        expectReadableAnswer(flag.statusCode, flag.headers['content-type'], target);
        const key = await app.inject({ method: 'DELETE', url: `/v1/admin/keys/${path}`, headers: { authorization: `Bearer ${keys.admin}` } });
        expectReadableAnswer(key.statusCode, key.headers['content-type'], target);
        const review = await app.inject({
          method: 'POST', url: `/v1/refunds/${path}/${action}`, payload: body,
          headers: { authorization: `Bearer ${keys.ops}`, 'content-type': 'application/json' },
        });
        expectReadableAnswer(review.statusCode, review.headers['content-type'], `${target} ${action} ${body}`);
      },
    ), { numRuns: 150, examples: classicHostileValues.filter((value) => value.length > 0).map((value): [string, string, string] => [value, 'approve', '{"reason":"x"}']) });
  });

  it('answers any Last-Event-ID with a stream or a 400 problem', async () => {
    await fc.assert(fc.asyncProperty(
      fc.oneof(hostileString(), fc.tuple(fc.bigInt({ min: -1n, max: 2n ** 70n }), fc.bigInt({ min: -1n, max: 2n ** 70n })).map(([a, b]) => `${a}.${b}`)),
      async (lastEventId) => {
        if (/[\r\n\0]/.test(lastEventId) || [...lastEventId].some((c) => c.charCodeAt(0) > 255)) return; // not sendable as a header
        const controller = new AbortController();
        const response = await fetch(`${baseUrl}/v1/flags/stream`, {
          headers: { authorization: `Bearer ${keys.ops}`, accept: 'text/event-stream', 'last-event-id': lastEventId },
          signal: controller.signal,
        }).catch((error: Error) => error);
        if (response instanceof Error) return; // refused by the client before sending
        expectReadableAnswer(response.status, response.headers.get('content-type'), lastEventId);
        controller.abort();
      },
    ), { numRuns: 100 });
  });

  it('answers any payer link token and any answer with the page, the one "not valid" page, or a 4xx problem', async () => {
    const notValid = (await app.inject({ method: 'GET', url: '/p/nonsense' })).body;
    const token = fc.oneof(
      hostileString().filter((value) => value.length > 0),
      fc.tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ minLength: 44, maxLength: 44 })).map(([claims, mac]) => `pl1.${claims.replace(/=/g, '')}.${mac.slice(0, 43)}`),
    );
    const body = fc.oneof(
      fc.json().map((payload) => ({ payload, type: 'application/json' })),
      hostileString().map((answer) => ({ payload: `answer=${encodeURIComponent(answer)}`, type: 'application/x-www-form-urlencoded' })),
      hostileString().map((payload) => ({ payload, type: 'text/plain' })),
    );
    await fc.assert(fc.asyncProperty(token, body, async (value, sent) => {
      const path = `/p/${encodeURIComponent(value)}`;
      for (const answered of [path, `${path}/evidence.json`, `${path}/evidence.pdf`]) {
        const page = await app.inject({ method: 'GET', url: answered });
        expect(page.statusCode, answered).toBe(404);
        expect(page.body, answered).toBe(notValid);
      }
      const answer = await app.inject({ method: 'POST', url: `${path}/answer`, payload: sent.payload, headers: { 'content-type': sent.type } });
      expect(answer.statusCode, `${value} ${sent.payload}`).toBeLessThan(500);
      if (answer.statusCode !== 404) expect(String(answer.headers['content-type'])).toContain('application/problem+json');
    }), { numRuns: 150, examples: classicHostileValues.filter((value) => value.length > 0).map((value): [string, { payload: string; type: string }] => [value, { payload: 'answer=mistake', type: 'application/x-www-form-urlencoded' }]) });
    const answers = await stack.pool.query('SELECT 1 FROM payer_answers');
    expect(answers.rowCount).toBe(0);
  });

  describe('with a live payer link under review', () => {
    let token: string;
    let flagId: string;
    let decisionId: string;

    beforeAll(async () => {
      await createTenant(stack.pool, { tenantId: 'payer-shop', name: 'Payer Shop' });
      await saveRefundPolicy(stack.pool, 'payer-shop', { v: 1, rules: { 'duplicate.exact': { action: 'review' } } }, 'test');
      const flag = paidTwiceFlag('payer-shop');
      await recordAsRefundWorker(stack.pool, [flag]);
      flagId = flag.flagId;
      decisionId = (await stack.pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = 'payer-shop'")).rows[0]!.decision_id;
      token = (await issuePayerLink(stack.pool, 'payer-shop', flagId, 'test', 24, new Date())).token;
    });

    /** Everything an answer would change, to hold it still while no answer is taken. */
    const answerState = async () => ({
      decision: (await stack.pool.query('SELECT status, updated_at FROM refund_decisions WHERE decision_id = $1', [decisionId])).rows,
      answers: (await stack.pool.query("SELECT * FROM payer_answers WHERE tenant_id = 'payer-shop'")).rows,
      audit: (await stack.pool.query('SELECT seq FROM decision_audit WHERE decision_id = $1', [decisionId])).rows,
      evidence: (await stack.pool.query("SELECT evidence->'informationFlow'->'payerAnswer' AS answer FROM flags WHERE flag_id = $1", [flagId])).rows,
      outbox: (await stack.pool.query('SELECT 1 FROM refund_outbox WHERE decision_id = $1', [decisionId])).rowCount,
    });

    it('refuses every answer body but a valid one with a 400 or 415 problem, and records nothing', async () => {
      const before = await answerState();
      expect(before).toMatchObject({ decision: [{ status: 'pending_review' }], answers: [], audit: [{}], evidence: [{ answer: null }], outbox: 0 });
      const notAChoice = fc.oneof(hostileString(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))
        .filter((value) => !(typeof value === 'string' && choices.has(value)));
      const json = fc.oneof(
        notAChoice.map((answer) => JSON.stringify({ answer })),
        // A choice with company: another field, however named.
        fc.tuple(fc.constantFrom('mistake', 'intended'), fc.string({ minLength: 1 }), fc.jsonValue({ maxDepth: 1 })).map(([answer, name, value]) => `{"answer":${JSON.stringify(answer)},${JSON.stringify(name)}:${JSON.stringify(value ?? null)}}`),
        fc.json({ maxDepth: 2 }),
        hostileString(),
        fc.constantFrom('', 'null', '[]', '{}', '"mistake"', '["mistake"]', '{"answer":["mistake"]}', '{"Answer":"mistake"}', '{"answer":"Mistake"}', '{"answer":"mistake "}',
          '{"answer":{"toString":"mistake"}}', '{"__proto__":{"answer":"mistake"}}', '{"answer":"mistake","__proto__":{}}', '{"constructor":{"prototype":{"answer":"mistake"}}}', '{"answer":"mistake"'),
      ).filter((payload) => !jsonIsAnswer(payload)).map((payload) => ({ payload, type: 'application/json' }));
      const form = fc.oneof(
        notAChoice.map((answer) => `answer=${encodeURIComponent(typeof answer === 'string' ? answer : JSON.stringify(answer))}`),
        fc.tuple(fc.constantFrom('mistake', 'intended'), fc.string(), hostileString()).map(([answer, name, value]) => `answer=${answer}&${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
        hostileString(),
        fc.constantFrom('', 'answer=', 'answer', 'answer=mistake&answer=mistake', 'answer=intended&answer=mistake', 'answer[]=mistake', 'ANSWER=mistake',
          'answer=mistake&__proto__=x', '__proto__=x&answer=mistake', 'answer=mistake%00', 'answer=mistake&&answer=intended', '&answer'),
      ).filter((payload) => !formIsAnswer(payload)).map((payload) => ({ payload, type: 'application/x-www-form-urlencoded' }));
      const otherType = fc.tuple(
        fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream', 'text/html', 'application/jsonx'),
        fc.constantFrom('answer=mistake', '{"answer":"mistake"}', '<answer>mistake</answer>'),
      ).map(([type, payload]) => ({ payload, type }));

      await fc.assert(fc.asyncProperty(fc.oneof(json, form, otherType), fc.option(hostileString(), { nil: undefined }), async (sent, lang) => {
        const url = `/p/${token}/answer${lang === undefined ? '' : `?lang=${encodeURIComponent(lang)}`}`;
        const answer = await app.inject({ method: 'POST', url, payload: sent.payload, headers: { 'content-type': sent.type } });
        const what = `${sent.type} ${JSON.stringify(sent.payload)}`;
        expect([400, 415], what).toContain(answer.statusCode);
        expect(String(answer.headers['content-type']), what).toContain('application/problem+json');
      }), { numRuns: 400 });
      expect(await answerState()).toEqual(before);
    });

    it('tells a browser posting any bad answer so on a page of its own, with no markup of the caller\'s, and records nothing', async () => {
      const before = await answerState();
      const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
      const form = fc.oneof(
        hostileString().filter((answer) => !choices.has(answer)).map((answer) => `answer=${encodeURIComponent(answer)}`),
        fc.constantFrom('', 'answer=', 'answer=intended&answer=mistake', 'answer=mistake&x=%3Cscript%3E'),
      );
      await fc.assert(fc.asyncProperty(form, fc.option(hostileString(), { nil: undefined }), async (payload, lang) => {
        const url = `/p/${token}/answer${lang === undefined ? '' : `?lang=${encodeURIComponent(lang)}`}`;
        const answer = await app.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/x-www-form-urlencoded', accept: browserAccept } });
        expect(answer.statusCode, payload).toBe(400);
        expect(answer.headers['content-type'], payload).toBe('text/html; charset=utf-8');
        expect(String(answer.headers['content-security-policy'])).toContain("default-src 'none'");
        expect(answer.body).toContain('id="answer-refused" data-reason="invalid-answer"');
        expect(answer.body).not.toMatch(/<script|onerror=/i);
      }), { numRuns: 150 });
      expect(await answerState()).toEqual(before);
    });

    it('refuses an answer body past its small limit before parsing it, and records nothing', async () => {
      const before = await answerState();
      // A name repeated hundreds of thousands of times: the form parser never sees it.
      const answer = await app.inject({
        method: 'POST', url: `/p/${token}/answer`, payload: 'answer=mistake&'.repeat(200_000), headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(answer.statusCode).toBe(413);
      expect(String(answer.headers['content-type'])).toContain('application/problem+json');
      expect(await answerState()).toEqual(before);
    });

    it('serves the page whatever ?lang and Accept-Language say', async () => {
      const lang = fc.oneof(hostileString(), fc.constantFrom('en', 'zh', 'EN', 'zh-CN', 'fr', ''));
      const extra = fc.constantFrom('', '&lang=zh', '&lang=en', '&lang[]=zh', '&x=1', '&__proto__=zh');
      const acceptLanguage = fc.option(fc.oneof(fc.string({ unit: 'binary-ascii', maxLength: 40 }), fc.constantFrom('zh-CN,zh;q=0.9', 'en;q=0', '*', 'zh;q=abc')), { nil: undefined })
        .filter((header) => header === undefined || !/[\r\n\0]/.test(header));
      await fc.assert(fc.asyncProperty(lang, extra, acceptLanguage, async (value, more, accept) => {
        const url = `/p/${token}?lang=${encodeURIComponent(value)}${more}`;
        const page = await app.inject({ method: 'GET', url, headers: accept === undefined ? {} : { 'accept-language': accept } });
        expect(page.statusCode, `${url} ${accept}`).toBe(200);
        expect(page.headers['content-type'], url).toBe('text/html; charset=utf-8');
        expect(page.body, url).toMatch(/<html lang="(en|zh-CN)">/);
        expect(page.body, url).toContain('id="answer-form"');
      }), { numRuns: 300, examples: classicHostileValues.map((value): [string, string, string | undefined] => [value, '', undefined]) });
    });

    it('takes a valid answer afterwards: the link was live all along', async () => {
      const answer = await app.inject({ method: 'POST', url: `/p/${token}/answer?lang=zh`, payload: 'answer=intended', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(answer.statusCode).toBe(303);
      expect((await answerState()).answers).toMatchObject([{ answer: 'intended' }]);
    });
  });

  it('answers any flag id on the evidence routes and any tenant on the key route with a 4xx at worst', async () => {
    const id = fc.oneof(hostileString().filter((value) => value.length > 0), fc.constant(`flg_${'0'.repeat(32)}`));
    await fc.assert(fc.asyncProperty(id, fc.constantFrom('json', 'pdf'), async (target, extension) => {
      const path = encodeURIComponent(target);
      const evidence = await app.inject({ method: 'GET', url: `/v1/flags/${path}/evidence.${extension}`, headers: { authorization: `Bearer ${keys.finance}` } });
      expectReadableAnswer(evidence.statusCode, evidence.headers['content-type'], target);
      const key = await app.inject({ method: 'GET', url: `/.well-known/backstop/evidence-keys/${path}` });
      expectReadableAnswer(key.statusCode, key.headers['content-type'], target);
      const revoke = await app.inject({ method: 'DELETE', url: `/v1/payer-links/${path}`, headers: { authorization: `Bearer ${keys.ops}` } });
      expectReadableAnswer(revoke.statusCode, revoke.headers['content-type'], target);
    }), { numRuns: 100 });
  });
});
