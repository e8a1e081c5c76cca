import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { makeFlag, sendFlags } from './support/flags';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { nameWithRefusedCharacter, platformName } from './support/unicode-names';
import { eventually } from './support/wait';
import { startConsole, type ConsoleUnderTest } from './support/console';

type FlagJson = { flagId: string; payerId: string };

/** The console's doors where payer and merchant names come in: the flag filter and the rules' allowlists. */
describe("console: a platform's own words in filters and rules", () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let app: FastifyInstance;
  let served: ConsoleUnderTest;
  const keys: Record<string, string> = {};
  const tenantId = 'kamishop';

  const get = (url: string, key = keys.ops!) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
  const putRules = (body: unknown) =>
    app.inject({ method: 'PUT', url: '/v1/rules', payload: JSON.stringify(body), headers: { authorization: `Bearer ${keys.admin}`, 'content-type': 'application/json' } });

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId, name: '卡密商城' });
    keys.ops = (await createApiKey(stack.pool, tenantId, 'ops')).apiKey;
    keys.admin = (await createApiKey(stack.pool, tenantId, 'admin')).apiKey;
    services = await startServices(stack, ['refund-worker']);
    served = await startConsole(stack);
    app = served.app;
  });

  afterAll(async () => {
    await served?.close();
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('finds each Unicode payer\'s flags by ?payer=, sent composed or decomposed, and only that payer\'s', async () => {
    const payers = fc.uniqueArray(platformName(), { minLength: 2, maxLength: 8, selector: (name) => name.normalize('NFC') });
    await fc.assert(
      fc.asyncProperty(payers, fc.constantFrom('NFC', 'NFD') as fc.Arbitrary<'NFC' | 'NFD'>, async (names, form) => {
        const flags = names.map((payerId) => makeFlag(tenantId, { payerId }));
        await sendFlags(stack.kafka, stack.topicPrefix, flags);
        for (const [index, name] of names.entries()) {
          const listed = await eventually(async () => {
            const data = (await get(`/v1/flags?limit=500&payer=${encodeURIComponent(name.normalize(form))}`)).json().data as FlagJson[];
            return data.some((flag) => flag.flagId === flags[index]!.flagId) ? data : undefined;
          }, { what: `the flag of payer ${JSON.stringify(name)}` });
          expect(listed.map((flag) => flag.payerId)).toEqual(listed.map(() => name.normalize('NFC')));
        }
      }),
      { numRuns: 4 },
    );
  });

  it('refuses a payer filter holding a refused character with a 400 problem naming it', async () => {
    await fc.assert(
      // A URL cannot carry a lone surrogate: percent-encoding needs UTF-8, which has none.
      fc.asyncProperty(nameWithRefusedCharacter().filter((payer) => !/\p{Cs}/u.test(payer)), async (payer) => {
        const response = await get(`/v1/flags?payer=${encodeURIComponent(payer)}`);
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json().errors).toEqual([{ path: '$.payer', message: expect.any(String) }]);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps Unicode payers and merchants in a rule\'s allowlist NFC-normalised, and refuses refused characters without changing the rules', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(platformName(), { maxLength: 5 }), fc.array(platformName(), { maxLength: 5 }), async (payers, merchants) => {
        const allowlist = { payers: payers.map((name) => name.normalize('NFD')), merchants };
        const saved = await putRules({ 'duplicate.exact': { allowlist } });
        expect(saved.statusCode, saved.body).toBe(200);
        const effective = (await get('/v1/rules', keys.admin)).json().data['duplicate.exact'].allowlist;
        expect(effective).toEqual({ payers: payers.map((name) => name.normalize('NFC')), merchants: merchants.map((name) => name.normalize('NFC')) });
      }),
      { numRuns: 30 },
    );
    const before = (await get('/v1/rules', keys.admin)).json();
    await fc.assert(
      fc.asyncProperty(nameWithRefusedCharacter(), fc.constantFrom('payers', 'merchants'), async (refused, list) => {
        const response = await putRules({ 'velocity.burst': { allowlist: { [list]: ['王小明', refused] } } });
        expect(response.statusCode).toBe(400);
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json().errors.map((error: { path: string }) => error.path)).toEqual([expect.stringContaining(`${list}[1]`)]);
      }),
      { numRuns: 50 },
    );
    expect((await get('/v1/rules', keys.admin)).json()).toEqual(before);
  });
});
