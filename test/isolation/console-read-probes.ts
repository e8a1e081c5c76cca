import { inTransaction } from '@backstop/postgres';
import { expect } from 'vitest';
import { recordFlags } from '../../services/refund-worker/src/store/record-flags';
import { makeFlag } from '../support/flags';
import { openEventStream } from '../support/sse';
import { leakedValues } from '../support/route-sweep';
import { eventually } from '../support/wait';
import { csvColumns, expectProblem, idsOf, sorted, type ConsoleSweep, type RouteProbe } from './console-sweep';
import { secretsOf, tenantRoles, type TenantRole } from './two-tenants';

const readers: readonly TenantRole[] = ['ops', 'finance', 'admin'];
const financeReaders: readonly TenantRole[] = ['finance', 'admin'];
const allowed = (roles: readonly TenantRole[]) => tenantRoles.filter((role) => roles.includes(role));

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const days = `from=${day(-1)}&to=${day(1)}`;

/** Naming B in `tenant=` is refused for any name but one's own, so it reveals nothing about B. */
async function refusesOtherTenant(sweep: ConsoleSweep, roles: readonly TenantRole[], url: string): Promise<void> {
  const joiner = url.includes('?') ? '&' : '?';
  for (const role of roles) {
    expectProblem(await sweep.asA(role, { method: 'GET', url: `${url}${joiner}tenant=bravo` }), 403, 'forbidden-tenant');
    expectProblem(await sweep.asA(role, { method: 'GET', url: `${url}${joiner}tenant=no-such-tenant` }), 403, 'forbidden-tenant');
  }
}

/** The operator sees B's rows through the same route: B's data is there to leak. */
async function operatorSeesB<T>(sweep: ConsoleSweep, url: string, rows: (body: Record<string, unknown>) => T[]): Promise<void> {
  const answer = await sweep.asOperator({ method: 'GET', url });
  expect(answer.status, answer.text).toBe(200);
  expect(rows(answer.json()).length).toBeGreaterThan(0);
}

type Tenanted = { tenantId: string };

/** The API's description and its viewer: made of route schemas, answered to anyone. */
function documentation(method: 'GET' | 'HEAD', url: string): RouteProbe {
  return {
    access: 'public',
    sample: () => ({ method, url }),
    async isolate(sweep) {
      // asA fails the probe if the answer carries anything of B's.
      expect((await sweep.asA('no key', { method, url })).status, url).toBeLessThan(400);
    },
  };
}

export const readProbes: Record<string, RouteProbe> = {
  'GET /v1/refund-webhook': {
    access: readers,
    sample: () => ({ method: 'GET', url: '/v1/refund-webhook' }),
    async isolate(sweep) {
      // The route reads the key's own tenant whatever the query names: B's endpoint, its
      // deliveries and its decisions never show (asA checks every answer for B's values).
      for (const role of allowed(readers)) {
        const answer = await sweep.asA(role, { method: 'GET', url: '/v1/refund-webhook?tenant=bravo' });
        expect([200, 404], answer.text).toContain(answer.status);
      }
      const bravo = await sweep.asOperator({ method: 'GET', url: '/v1/refund-webhook?tenant=bravo' });
      expectProblem(bravo, 400, 'tenant-required');
    },
  },
  'GET /*': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/index.html' }),
    async isolate(sweep) {
      for (const url of ['/', '/app.js']) expect((await sweep.asA('no key', { method: 'GET', url })).status, url).toBe(200);
      // The static files stay inside the web root.
      for (const url of ['/../package.json', '/..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json']) {
        expect((await sweep.asA('no key', { method: 'GET', url })).text, url).not.toContain('"workspaces"');
      }
    },
  },

  'GET /lib/messages/*': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/lib/messages/index.js' }),
    async isolate(sweep) {
      for (const url of ['/lib/messages/index.js', '/lib/messages/render.js']) {
        expect((await sweep.asA('no key', { method: 'GET', url })).status, url).toBe(200);
      }
      // Only the page's modules: never the package's tests, its manifest, or anything outside it.
      for (const url of ['/lib/messages/render.test.ts', '/lib/messages/../package.json', '/lib/messages/..%2f..%2f..%2fpackage.json', '/lib/messages/index.d.ts']) {
        const answer = await sweep.asA('no key', { method: 'GET', url });
        expect(answer.status, url).not.toBe(200);
        expect(answer.text, url).not.toContain('"workspaces"');
      }
    },
  },

  'GET /healthz': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/healthz' }),
    async isolate(sweep) {
      expect((await sweep.asA('no key', { method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    },
  },

  'GET /readyz': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/readyz' }),
    async isolate(sweep) {
      expect((await sweep.asA('no key', { method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready' });
    },
  },

  'GET /metrics': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/metrics' }),
    async isolate(sweep) {
      // Routes are counted by their pattern, never by the ids in a request: no tenant's data shows.
      await sweep.asA('ops', { method: 'GET', url: '/v1/flags?payer=u_bravo_only' });
      const text = (await sweep.asA('no key', { method: 'GET', url: '/metrics' })).text;
      expect(text).toContain('backstop_console_request_duration_seconds');
      expect(text).not.toMatch(/bravo|u_bravo_only/);
    },
  },

  'GET /docs': documentation('GET', '/docs'),
  'HEAD /docs/': documentation('HEAD', '/docs/'),
  'GET /docs/json': documentation('GET', '/docs/json'),
  'GET /docs/yaml': documentation('GET', '/docs/yaml'),
  'GET /docs/static/index.html': documentation('GET', '/docs/static/index.html'),
  'GET /docs/static/swagger-initializer.js': documentation('GET', '/docs/static/swagger-initializer.js'),
  'GET /docs/static/*': documentation('GET', '/docs/static/swagger-ui.css'),

  'GET /v1/flags': {
    access: readers,
    sample: () => ({ method: 'GET', url: '/v1/flags?tenant=bravo' }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      for (const role of allowed(readers)) {
        const page = (await sweep.asA(role, { method: 'GET', url: '/v1/flags?limit=500' })).json<{ data: { flagId: string }[] }>();
        expect(sorted(page.data.map((flag) => flag.flagId)), role).toEqual(sorted(await idsOf(sweep.pool, 'flags', a.tenantId)));
        const byPayer = await sweep.asA(role, { method: 'GET', url: `/v1/flags?payer=${b.flags[0]!.payment.payerId}` });
        expect(byPayer.json().data).toEqual([]);
      }
      await refusesOtherTenant(sweep, readers, '/v1/flags');
      await operatorSeesB(sweep, '/v1/flags?tenant=bravo', (body) => body.data as Tenanted[]);
    },
  },

  'GET /v1/flags/stats': {
    access: readers,
    sample: () => ({ method: 'GET', url: '/v1/flags/stats' }),
    async isolate(sweep) {
      const countOf = (body: { counts: { window: string; count: number }[] }) =>
        body.counts.filter((row) => row.window === '24h').reduce((sum, row) => sum + row.count, 0);
      const ownFlags = (await idsOf(sweep.pool, 'flags', sweep.tenants.a.tenantId)).length;
      for (const role of allowed(readers)) {
        expect(countOf((await sweep.asA(role, { method: 'GET', url: '/v1/flags/stats' })).json()), role).toBe(ownFlags);
      }
      await refusesOtherTenant(sweep, readers, '/v1/flags/stats');
      expect(countOf((await sweep.asOperator({ method: 'GET', url: '/v1/flags/stats?tenant=bravo' })).json())).toBeGreaterThan(0);
    },
  },

  'GET /v1/flags/stream': {
    access: readers,
    sample: () => ({ method: 'GET', url: '/v1/flags/stream' }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      const auth = { authorization: `Bearer ${a.keys.ops.apiKey}` };
      const stream = await openEventStream(`${sweep.baseUrl}/v1/flags/stream`, auth);
      try {
        expect(stream.status).toBe(200);
        await eventually(async () => (stream.events.some((event) => event.event === 'ready') ? true : undefined), { what: 'the ready event' });
        // B's new flag is stored first and A's marker after it: once the marker is on A's
        // stream, B's flag would have been too.
        const newForB = makeFlag(b.tenantId, { payerId: 'u_bravo_live', recipientAccount: '80022922567' });
        const markerForA = makeFlag(a.tenantId, { payerId: 'u_alpha_marker', recipientAccount: '80011911567' });
        await inTransaction(sweep.pool, (client) => recordFlags(client, [newForB], new Date()));
        await inTransaction(sweep.pool, (client) => recordFlags(client, [markerForA], new Date()));
        b.flags.push(newForB);
        a.flags.push(markerForA);
        b.decisions = await idsOf(sweep.pool, 'decisions', b.tenantId);
        await eventually(async () => (stream.events.some((event) => event.data.includes(markerForA.flagId)) ? true : undefined), { what: 'A\'s marker on A\'s stream' });
        const seen = stream.events.filter((event) => event.event === 'flag').map((event) => JSON.parse(event.data) as { flagId: string });
        expect(sorted(seen.map((flag) => flag.flagId))).toEqual(sorted(await idsOf(sweep.pool, 'flags', a.tenantId)));
        const everything = stream.events.map((event) => event.data).join('\n');
        expect(leakedValues(everything, '', secretsOf(b))).toEqual([]);
      } finally {
        await stream.close();
      }

      // Resuming from the very start of the feed replays A's flags only.
      const resumed = await openEventStream(`${sweep.baseUrl}/v1/flags/stream`, { ...auth, 'last-event-id': '0.0' });
      try {
        await eventually(async () => (resumed.events.some((event) => event.event === 'ready') ? true : undefined), { what: 'the resumed stream' });
        const replayed = resumed.events.filter((event) => event.event === 'flag').map((event) => (JSON.parse(event.data) as { tenantId: string }).tenantId);
        expect(replayed.length).toBeGreaterThan(0);
        expect(new Set(replayed)).toEqual(new Set([a.tenantId]));
      } finally {
        await resumed.close();
      }

      const named = await openEventStream(`${sweep.baseUrl}/v1/flags/stream?tenant=bravo`, auth);
      expect(named.status).toBe(403);
      expect((await named.problem()).type).toBe('https://backstop.dev/problems/forbidden-tenant');
      await named.close();
    },
  },

  'GET /v1/flags/:flagId': {
    access: readers,
    sample: (tenants) => ({ method: 'GET', url: `/v1/flags/${tenants.b.flags[0]!.flagId}` }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      for (const role of allowed(readers)) {
        expect((await sweep.asA(role, { method: 'GET', url: `/v1/flags/${a.flags[0]!.flagId}` })).status, role).toBe(200);
        const unknown = await sweep.asA(role, { method: 'GET', url: '/v1/flags/flg_00000000000000000000000000000000' });
        for (const flag of b.flags) {
          const answer = await sweep.asA(role, { method: 'GET', url: `/v1/flags/${flag.flagId}` });
          expectProblem(answer, 404, 'not-found');
          // Word for word what an id that exists nowhere gets.
          expect(answer.json()).toEqual(unknown.json());
        }
      }
    },
  },

  'GET /v1/refunds': {
    access: financeReaders,
    sample: () => ({ method: 'GET', url: '/v1/refunds' }),
    async isolate(sweep) {
      const own = sorted(await idsOf(sweep.pool, 'decisions', sweep.tenants.a.tenantId));
      for (const role of allowed(financeReaders)) {
        const page = (await sweep.asA(role, { method: 'GET', url: '/v1/refunds?limit=500' })).json<{ data: { decisionId: string }[] }>();
        expect(sorted(page.data.map((decision) => decision.decisionId)), role).toEqual(own);
      }
      await refusesOtherTenant(sweep, financeReaders, '/v1/refunds');
      await operatorSeesB(sweep, '/v1/refunds?tenant=bravo', (body) => body.data as Tenanted[]);
    },
  },

  'GET /v1/refunds.csv': {
    access: financeReaders,
    sample: () => ({ method: 'GET', url: '/v1/refunds.csv' }),
    async isolate(sweep) {
      const own = sorted(await idsOf(sweep.pool, 'decisions', sweep.tenants.a.tenantId));
      for (const role of allowed(financeReaders)) {
        const rows = csvColumns((await sweep.asA(role, { method: 'GET', url: '/v1/refunds.csv' })).text, ['decisionId', 'tenantId']);
        expect(sorted(rows.map((row) => row.decisionId)), role).toEqual(own);
        expect(new Set(rows.map((row) => row.tenantId))).toEqual(new Set([sweep.tenants.a.tenantId]));
      }
      await refusesOtherTenant(sweep, financeReaders, '/v1/refunds.csv');
      const forOperator = await sweep.asOperator({ method: 'GET', url: '/v1/refunds.csv?tenant=bravo' });
      expect(csvColumns(forOperator.text, ['tenantId']).length).toBeGreaterThan(0);
    },
  },

  'GET /v1/finance/reconciliation': {
    access: financeReaders,
    sample: () => ({ method: 'GET', url: `/v1/finance/reconciliation?${days}` }),
    async isolate(sweep) {
      for (const role of allowed(financeReaders)) {
        const rows = (await sweep.asA(role, { method: 'GET', url: `/v1/finance/reconciliation?${days}` })).json<{ data: Tenanted[] }>().data;
        expect(rows.length, role).toBeGreaterThan(0);
        expect(new Set(rows.map((row) => row.tenantId))).toEqual(new Set([sweep.tenants.a.tenantId]));
      }
      await refusesOtherTenant(sweep, financeReaders, `/v1/finance/reconciliation?${days}`);
      await operatorSeesB(sweep, `/v1/finance/reconciliation?${days}&tenant=bravo`, (body) => body.data as Tenanted[]);
    },
  },

  'GET /v1/finance/reconciliation.csv': {
    access: financeReaders,
    sample: () => ({ method: 'GET', url: `/v1/finance/reconciliation.csv?${days}` }),
    async isolate(sweep) {
      for (const role of allowed(financeReaders)) {
        const rows = csvColumns((await sweep.asA(role, { method: 'GET', url: `/v1/finance/reconciliation.csv?${days}` })).text, ['tenantId']);
        expect(rows.length, role).toBeGreaterThan(0);
        expect(new Set(rows.map((row) => row.tenantId))).toEqual(new Set([sweep.tenants.a.tenantId]));
      }
      await refusesOtherTenant(sweep, financeReaders, `/v1/finance/reconciliation.csv?${days}`);
      const forOperator = await sweep.asOperator({ method: 'GET', url: `/v1/finance/reconciliation.csv?${days}&tenant=bravo` });
      expect(csvColumns(forOperator.text, ['tenantId']).length).toBeGreaterThan(0);
    },
  },

  'GET /v1/finance/mismatches': {
    access: financeReaders,
    sample: () => ({ method: 'GET', url: '/v1/finance/mismatches' }),
    async isolate(sweep) {
      for (const role of allowed(financeReaders)) {
        const rows = (await sweep.asA(role, { method: 'GET', url: '/v1/finance/mismatches' })).json<{ data: Tenanted[] }>().data;
        expect(rows.length, role).toBeGreaterThan(0);
        expect(new Set(rows.map((row) => row.tenantId))).toEqual(new Set([sweep.tenants.a.tenantId]));
      }
      await refusesOtherTenant(sweep, financeReaders, '/v1/finance/mismatches');
      await operatorSeesB(sweep, '/v1/finance/mismatches?tenant=bravo', (body) => body.data as Tenanted[]);
    },
  },
};
