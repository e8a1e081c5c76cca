import { expect } from 'vitest';
import type { TwoTenants } from './two-tenants';
import { expectBUntouched, expectProblem, type ConsoleSweep, type RouteProbe } from './console-sweep';

const admins = ['admin'] as const;
/** A finished period on the slice's (empty) events topic: the job runs to its end at once. */
const period = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() - 60_000).toISOString(), warmUpHours: 0 });
const someJob = '00000000-0000-4000-8000-000000000000';

/** B's own backtest, started with B's key: the id A's keys must not reach. */
async function bravoJob(sweep: ConsoleSweep): Promise<string> {
  const answer = await sweep.app.inject({
    method: 'POST', url: '/v1/backtests', headers: { authorization: `Bearer ${sweep.tenants.b.keys.admin.apiKey}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ ...period(), rules: { 'velocity.burst': { enabled: false } } }),
  });
  expect(answer.statusCode, answer.body).toBe(202);
  return answer.json<{ jobId: string }>().jobId;
}

function jobProbe(method: 'GET' | 'DELETE' | 'POST', suffix = ''): RouteProbe {
  return {
    access: admins,
    sample: (_tenants: TwoTenants) => ({ method, url: `/v1/backtests/${someJob}${suffix}` }),
    async isolate(sweep) {
      const jobId = await bravoJob(sweep);
      await expectBUntouched(sweep, async () => {
        for (const url of [`/v1/backtests/${jobId}${suffix}`, `/v1/backtests/${jobId}${suffix}?tenant=bravo`]) {
          expectProblem(await sweep.asA('admin', { method, url }), 404, 'not-found');
        }
      });
    },
  };
}

export const backtestProbes: Record<string, RouteProbe> = {
  'POST /v1/backtests': {
    access: admins,
    sample: () => ({ method: 'POST', url: '/v1/backtests', payload: period() }),
    async isolate(sweep) {
      await expectBUntouched(sweep, async () => {
        const started = await sweep.asA('admin', { method: 'POST', url: '/v1/backtests?tenant=bravo', payload: period() });
        expect(started.status, started.text).toBe(202);
        // The job is A's: A reads it, B's admin does not find it.
        const jobId = started.json<{ jobId: string }>().jobId;
        expect((await sweep.asA('admin', { method: 'GET', url: `/v1/backtests/${jobId}` })).status).toBe(200);
        const asB = await sweep.app.inject({ method: 'GET', url: `/v1/backtests/${jobId}`, headers: { authorization: `Bearer ${sweep.tenants.b.keys.admin.apiKey}` } });
        expect(asB.statusCode).toBe(404);
        expectProblem(await sweep.asA('admin', { method: 'POST', url: '/v1/backtests', payload: { ...period(), tenantId: 'bravo' } }), 400, 'invalid-body');
      });
    },
  },
  'GET /v1/backtests/:jobId': jobProbe('GET'),
  'DELETE /v1/backtests/:jobId': jobProbe('DELETE'),
  'POST /v1/backtests/:jobId/promote': jobProbe('POST', '/promote'),
};
