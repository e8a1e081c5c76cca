import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '@backstop/contracts';
import { createLogger } from '@backstop/logging';
import { inTransaction } from '@backstop/postgres';
import { buildApp } from '../../services/console/src/app';
import { recordEvents } from '../../services/refund-worker/src/outcomes/record-events';
import { probeGaps, sweptRoutes } from '../support/route-sweep';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { consoleProbes, consoleProbeTable } from './console-probes';
import { createSweep, expectBUntouched, expectProblem, tenantState, type ConsoleSweep } from './console-sweep';
import { seedTwoTenants, tenantRoles } from './two-tenants';
import { startConsole, type ConsoleUnderTest } from '../support/console';

/**
 * Every route the console registers, swept with tenant A's keys against tenant B's data. The
 * routes come from the app itself, so a route added without a probe fails here.
 */
describe('tenant isolation across every console route', () => {
  let stack: IsolatedStack;
  let app: FastifyInstance;
  let served: ConsoleUnderTest;
  let sweep: ConsoleSweep;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    const tenants = await seedTwoTenants(stack.pool);
    served = await startConsole(stack, { heartbeatMs: 1_000 });
    app = served.app;
    sweep = createSweep(app, served.baseUrl, stack.pool, tenants);
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await stack?.close();
  }, 60_000);

  it('has a probe for every registered route and no probe for a route that is gone', () => {
    const routes = sweptRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(probeGaps(routes, consoleProbes, consoleProbeTable)).toEqual([]);
  });

  it('fails the sweep for a route nobody taught it to probe', async () => {
    const extended = await buildApp({ logger: createLogger('isolation', 'silent'), pool: stack.pool, notifier: served.notifier });
    extended.get('/v1/flags/:flagId/export', async () => ({}));
    await extended.ready();
    expect(probeGaps(sweptRoutes(extended), consoleProbes, consoleProbeTable)).toEqual([
      `GET /v1/flags/:flagId/export has no isolation probe: add one to ${consoleProbeTable} saying how tenant A's credentials are kept from tenant B's data`,
    ]);
    await extended.close();
  });

  it('answers 401 without a key and 403 to every role the route is not for', async () => {
    for (const [route, probe] of Object.entries(consoleProbes)) {
      if (probe.access === 'public') continue;
      const access = probe.access;
      const request = probe.sample(sweep.tenants);
      await expectBUntouched(sweep, async () => {
        expectProblem(await sweep.asA('no key', request), 401, 'unauthorized');
        for (const role of tenantRoles.filter((candidate) => !access.includes(candidate))) {
          const answer = await sweep.asA(role, request);
          expect(answer.status, `${route} as ${role}`).toBe(403);
          expectProblem(answer, 403, 'forbidden');
        }
      });
    }
  });

  it.each(Object.keys(consoleProbes))('%s keeps tenant A out of tenant B\'s data', async (route) => {
    await consoleProbes[route]!.isolate(sweep);
  });

  it('leaves a decision alone when another tenant\'s platform reports refunding it', async () => {
    const { a, b } = sweep.tenants;
    const decision = (await stack.pool.query<{ decision_id: string; payment_id: string }>(
      "SELECT decision_id, payment_id FROM refund_decisions WHERE tenant_id = $1 AND status IN ('approved', 'sent') LIMIT 1", [a.tenantId],
    )).rows[0]!;
    const before = await tenantState(stack.pool, a.tenantId);
    const report: WebhookEvent = {
      id: 'evt_bravo_claims_alpha', type: 'refund.succeeded', occurredAt: new Date().toISOString(),
      data: { paymentId: decision.payment_id, payerId: 'u_bravo', amount: 3000, currency: 'CNY', decisionId: decision.decision_id },
    };
    await inTransaction(stack.pool, (client) => recordEvents(client, [{ v: 1, tenantId: b.tenantId, receivedAt: report.occurredAt, marks: [], event: report }], new Date()));
    expect(await tenantState(stack.pool, a.tenantId)).toEqual(before);
  });
});
