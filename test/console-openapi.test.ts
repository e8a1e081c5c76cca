import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleProbes } from './isolation/console-probes';
import { seedTwoTenants, type TwoTenants } from './isolation/two-tenants';
import { sweptRoutes } from './support/route-sweep';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { startConsole, type ConsoleUnderTest } from './support/console';

interface Operation {
  summary?: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { required: boolean; content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema: object }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** Routes that serve files, not the API: the web page, its modules and the document's own viewer. */
const notApi = (route: string) => / \/(docs|lib\/messages\/\*|\*)/.test(route);
const openApiPath = (url: string) => url.replace(/:(\w+)/g, '{$1}');
const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

describe('the console\'s OpenAPI document', () => {
  let stack: IsolatedStack;
  let app: FastifyInstance;
  let served: ConsoleUnderTest;
  let tenants: TwoTenants;
  let document: Document;
  // OpenAPI 3.0 schema objects are draft-04 JSON Schema (boolean exclusiveMinimum) plus `nullable`, which Ajv knows.
  const ajv = addFormats.default(new Ajv04({ strict: false, allErrors: true }));

  beforeAll(async () => {
    stack = await createIsolatedStack();
    tenants = await seedTwoTenants(stack.pool);
    served = await startConsole(stack);
    app = served.app;
    const answer = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(answer.statusCode).toBe(200);
    document = answer.json();
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await stack?.close();
  }, 60_000);

  /** The documented operation of a registered route, `GET /v1/flags/:flagId`. */
  const operationOf = (route: string): Operation | undefined => {
    const [method, url] = route.split(' ') as [string, string];
    return document.paths[openApiPath(url)]?.[method.toLowerCase()];
  };

  /** Sends a request and checks the answer's body against the document's schema for its status and type. */
  async function expectAnswerAsDocumented(route: string, request: InjectOptions & { url: string }, status: number) {
    const answer = await app.inject(request);
    expect(answer.statusCode, answer.body).toBe(status);
    const mediaType = String(answer.headers['content-type']).split(';')[0]!;
    const schema = operationOf(route)?.responses[String(status)]?.content?.[mediaType]?.schema;
    expect(schema, `${route} documents ${status} ${mediaType}`).toBeDefined();
    const validate = ajv.compile(schema!);
    expect(validate(answer.json()), `${route} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    return answer;
  }

  it('is a valid OpenAPI 3 document with the API key as a bearer scheme, browsable at /docs', async () => {
    expect(document.openapi).toMatch(/^3\./);
    // The validator dereferences in place, so it gets its own copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect(document.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect((await app.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });

  it('lists every registered API route with its method, and nothing else', () => {
    const routes = sweptRoutes(app).filter((route) => !notApi(route));
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes.filter((route) => !operationOf(route))).toEqual([]);
    const documented = Object.entries(document.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((route) => { const [method, url] = route.split(' '); return `${method} ${openApiPath(url!)}`; }).sort());
  });

  it('names, on each route, the roles its isolation probe proves it admits, and the bearer key for all but public routes', () => {
    for (const route of sweptRoutes(app).filter((candidate) => !notApi(candidate))) {
      const operation = operationOf(route)!;
      const access = consoleProbes[route]!.access;
      if (access === 'public') {
        expect(operation.security, route).toBeUndefined();
        continue;
      }
      expect(operation.security, route).toEqual([{ apiKey: [] }]);
      const named = operation.description?.match(/Roles: ([a-z, ]+) \(and operators\)\./)?.[1]?.split(', ') ?? [];
      if (access.length === 0) expect(operation.description, route).toContain('Operators only.');
      else expect(named.sort(), route).toEqual([...access].sort());
    }
  });

  it('answers sampled reads as documented, a finance reader\'s masked evidence included', async () => {
    const { a } = tenants;
    const as = (role: keyof typeof a.keys) => ({ authorization: `Bearer ${a.keys[role].apiKey}` });
    const flags = await expectAnswerAsDocumented('GET /v1/flags', { method: 'GET', url: '/v1/flags?limit=2&lang=zh', headers: as('ops') }, 200);
    expect(flags.json().data).toHaveLength(2);
    const nearMiss = a.flags[3]!;
    const detail = await expectAnswerAsDocumented('GET /v1/flags/:flagId', { method: 'GET', url: `/v1/flags/${nearMiss.flagId}`, headers: as('finance') }, 200);
    expect(detail.json().payment.recipientAccount).not.toBe(nearMiss.payment.recipientAccount);
    await expectAnswerAsDocumented('GET /v1/flags/stats', { method: 'GET', url: '/v1/flags/stats', headers: as('ops') }, 200);
    const refunds = await expectAnswerAsDocumented('GET /v1/refunds', { method: 'GET', url: '/v1/refunds', headers: as('finance') }, 200);
    expect(refunds.json().data.length).toBeGreaterThan(0);
    await expectAnswerAsDocumented('GET /v1/finance/reconciliation', {
      method: 'GET', url: `/v1/finance/reconciliation?from=${day(-1)}&to=${day(1)}&by=merchant`, headers: as('finance'),
    }, 200);
    await expectAnswerAsDocumented('GET /v1/finance/mismatches', { method: 'GET', url: '/v1/finance/mismatches', headers: as('finance') }, 200);
    await expectAnswerAsDocumented('GET /v1/rules', { method: 'GET', url: '/v1/rules', headers: as('admin') }, 200);
    await expectAnswerAsDocumented('GET /healthz', { method: 'GET', url: '/healthz' }, 200);
    await expectAnswerAsDocumented('GET /readyz', { method: 'GET', url: '/readyz' }, 200);
  });

  it('answers a sampled write as documented, with a body the document accepts', async () => {
    const policy = { v: 1, maxAutoRefund: { CNY: 50_000 }, killSwitch: true };
    const requestSchema = operationOf('PUT /v1/policy')!.requestBody!.content['application/json']!.schema;
    expect(ajv.validate(requestSchema, policy), ajv.errorsText()).toBe(true);
    const headers = { authorization: `Bearer ${tenants.a.keys.admin.apiKey}` };
    const saved = await expectAnswerAsDocumented('PUT /v1/policy', { method: 'PUT', url: '/v1/policy', headers, payload: policy }, 200);
    expect(saved.json().data).toMatchObject(policy);
    await expectAnswerAsDocumented('GET /v1/policy', { method: 'GET', url: '/v1/policy', headers }, 200);
  });

  it('answers rejections as the documented problem details, with the parameters the document declares', async () => {
    const headers = { authorization: `Bearer ${tenants.a.keys.ops.apiKey}` };
    const declared = operationOf('GET /v1/flags')!.parameters!.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    expect(declared).toEqual(expect.arrayContaining(['limit', 'cursor', 'tenant', 'lang', 'payer']));
    const rejected = await expectAnswerAsDocumented('GET /v1/flags', { method: 'GET', url: '/v1/flags?limit=0&colour=red', headers }, 400);
    expect(rejected.json().errors.map((error: { path: string }) => error.path).sort()).toEqual(['$.colour', '$.limit']);
    await expectAnswerAsDocumented('GET /v1/flags', { method: 'GET', url: '/v1/flags' }, 401);
    await expectAnswerAsDocumented('GET /v1/refunds', { method: 'GET', url: '/v1/refunds', headers }, 403);
    await expectAnswerAsDocumented('GET /v1/flags/:flagId', { method: 'GET', url: '/v1/flags/flg_00000000000000000000000000000000', headers }, 404);
  });
});
