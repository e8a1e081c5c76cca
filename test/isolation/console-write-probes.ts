import { expect } from 'vitest';
import { authenticateApiKey } from '@backstop/tenancy';
import { expectBUntouched, expectProblem, type ConsoleSweep, type ProbeRequest, type RouteProbe } from './console-sweep';
import { tenantRoles, type TenantRole } from './two-tenants';

const reviewers: readonly TenantRole[] = ['ops', 'finance', 'admin'];
const admins: readonly TenantRole[] = ['admin'];
const allowed = (roles: readonly TenantRole[]) => tenantRoles.filter((role) => roles.includes(role));
const unknownDecision = '00000000-0000-4000-8000-000000000000';

/** A's request about B must get exactly the answer a request about nothing gets. */
async function answersAsAbsent(sweep: ConsoleSweep, role: TenantRole, aboutB: ProbeRequest, aboutNothing: ProbeRequest, reason: string): Promise<void> {
  const forB = await sweep.asA(role, aboutB);
  expectProblem(forB, 404, reason);
  expect(forB.json()).toEqual((await sweep.asA(role, aboutNothing)).json());
}

async function storedSetting(sweep: ConsoleSweep, query: string): Promise<unknown> {
  return (await sweep.pool.query(query, [sweep.tenants.a.tenantId])).rows[0];
}

/**
 * A reviewer of A acting on any of B's decisions, pending or not, gets the 404 of a decision
 * that does not exist (a 409 would tell B's decision exists), and B's rows stay as they were.
 * The same action on A's own pending decision succeeds, so the 404 is the wall between
 * tenants, not the role or the body being refused.
 */
function reviewProbe(verb: 'approve' | 'reject' | 'false-positive', ownDecision: number): RouteProbe {
  return {
    access: reviewers,
    sample: (tenants) => ({ method: 'POST', url: `/v1/refunds/${tenants.b.pendingDecisions[0]}/${verb}`, payload: { reason: 'probe' } }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      expect(b.pendingDecisions.length).toBeGreaterThan(0);
      for (const role of allowed(reviewers)) {
        for (const decisionId of b.decisions) {
          await expectBUntouched(sweep, () => answersAsAbsent(sweep, role,
            { method: 'POST', url: `/v1/refunds/${decisionId}/${verb}`, payload: { reason: 'probe' } },
            { method: 'POST', url: `/v1/refunds/${unknownDecision}/${verb}`, payload: { reason: 'probe' } },
            'decision-not-found'));
        }
      }
      const own = await sweep.asA('ops', { method: 'POST', url: `/v1/refunds/${a.pendingDecisions[ownDecision]}/${verb}`, payload: { reason: 'probe' } });
      expect(own.status, own.text).toBe(200);
    },
  };
}

export const writeProbes: Record<string, RouteProbe> = {
  'POST /v1/refunds/:decisionId/approve': reviewProbe('approve', 0),
  'POST /v1/refunds/:decisionId/reject': reviewProbe('reject', 1),
  'POST /v1/refunds/:decisionId/false-positive': reviewProbe('false-positive', 2),

  'GET /v1/policy': {
    access: admins,
    sample: () => ({ method: 'GET', url: '/v1/policy' }),
    async isolate(sweep) {
      for (const url of ['/v1/policy', '/v1/policy?tenant=bravo']) {
        const policy = (await sweep.asA('admin', { method: 'GET', url })).json<{ data: { maxAutoRefund: Record<string, number> } }>();
        expect(policy.data.maxAutoRefund, url).toEqual({ CNY: 111_111 });
      }
    },
  },

  'PUT /v1/policy': {
    access: admins,
    sample: () => ({ method: 'PUT', url: '/v1/policy', payload: { v: 1 } }),
    async isolate(sweep) {
      await expectBUntouched(sweep, async () => {
        expect((await sweep.asA('admin', { method: 'PUT', url: '/v1/policy?tenant=bravo', payload: { v: 1, maxAutoRefund: { CNY: 123_456 } } })).status).toBe(200);
        expectProblem(await sweep.asA('admin', { method: 'PUT', url: '/v1/policy', payload: { v: 1, tenantId: 'bravo' } }), 400, 'invalid-policy');
      });
      expect(await storedSetting(sweep, "SELECT document->'maxAutoRefund' AS limits FROM refund_policies WHERE tenant_id = $1")).toEqual({ limits: { CNY: 123_456 } });
    },
  },

  'GET /v1/rules': {
    access: admins,
    sample: () => ({ method: 'GET', url: '/v1/rules' }),
    async isolate(sweep) {
      for (const url of ['/v1/rules', '/v1/rules?tenant=bravo']) {
        const rules = (await sweep.asA('admin', { method: 'GET', url })).json<{ stored: unknown }>();
        expect(rules.stored, url).toEqual({ 'duplicate.exact': { allowlist: { payers: [sweep.tenants.a.settingsMarker] } } });
      }
    },
  },

  'PUT /v1/rules': {
    access: admins,
    sample: () => ({ method: 'PUT', url: '/v1/rules', payload: {} }),
    async isolate(sweep) {
      const rules = { 'velocity.burst': { enabled: false } };
      await expectBUntouched(sweep, async () => {
        expect((await sweep.asA('admin', { method: 'PUT', url: '/v1/rules?tenant=bravo', payload: rules })).status).toBe(200);
      });
      expect(await storedSetting(sweep, 'SELECT config FROM detector_rules WHERE tenant_id = $1')).toEqual({ config: rules });
    },
  },

  'PUT /v1/refund-webhook': {
    access: admins,
    sample: () => ({ method: 'PUT', url: '/v1/refund-webhook', payload: { url: 'https://probe.example/' } }),
    async isolate(sweep) {
      const url = 'https://alpha.example/refunds-moved';
      await expectBUntouched(sweep, async () => {
        expect((await sweep.asA('admin', { method: 'PUT', url: '/v1/refund-webhook?tenant=bravo', payload: { url } })).status).toBe(200);
      });
      expect(await storedSetting(sweep, 'SELECT url FROM refund_webhooks WHERE tenant_id = $1')).toEqual({ url });
    },
  },

  'DELETE /v1/refund-webhook': {
    access: admins,
    sample: () => ({ method: 'DELETE', url: '/v1/refund-webhook' }),
    async isolate(sweep) {
      await expectBUntouched(sweep, async () => {
        expect((await sweep.asA('admin', { method: 'DELETE', url: '/v1/refund-webhook?tenant=bravo' })).status).toBe(204);
      });
      expect(await storedSetting(sweep, 'SELECT url FROM refund_webhooks WHERE tenant_id = $1')).toBeUndefined();
      const bravo = await sweep.pool.query('SELECT 1 FROM refund_webhooks WHERE tenant_id = $1', [sweep.tenants.b.tenantId]);
      expect(bravo.rowCount).toBe(1);
    },
  },

  'POST /v1/admin/tenants': {
    access: [],
    sample: () => ({ method: 'POST', url: '/v1/admin/tenants', payload: { tenantId: 'probe', name: 'Probe' } }),
    async isolate(sweep) {
      const count = async () => (await sweep.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tenants')).rows[0]!.n;
      const before = await count();
      await expectBUntouched(sweep, async () => {
        for (const role of tenantRoles) {
          for (const tenantId of ['bravo', 'alpha-two']) {
            expectProblem(await sweep.asA(role, { method: 'POST', url: '/v1/admin/tenants', payload: { tenantId, name: 'Taken over' } }), 403, 'forbidden');
          }
        }
      });
      expect(await count()).toBe(before);
    },
  },

  'POST /v1/admin/keys': {
    access: admins,
    sample: () => ({ method: 'POST', url: '/v1/admin/keys', payload: { tenantId: 'bravo', role: 'admin' } }),
    async isolate(sweep) {
      const operatorKeys = async () => (await sweep.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE tenant_id IS NULL')).rows[0]!.n;
      const before = await operatorKeys();
      await expectBUntouched(sweep, async () => {
        for (const role of ['ops', 'admin'] as const) {
          await answersAsAbsent(sweep, 'admin',
            { method: 'POST', url: '/v1/admin/keys', payload: { tenantId: 'bravo', role } },
            { method: 'POST', url: '/v1/admin/keys', payload: { tenantId: 'no-such-tenant', role } },
            'not-found');
        }
        expectProblem(await sweep.asA('admin', { method: 'POST', url: '/v1/admin/keys', payload: { role: 'operator' } }), 403, 'forbidden');
        const own = await sweep.asA('admin', { method: 'POST', url: '/v1/admin/keys?tenant=bravo', payload: { role: 'ops' } });
        expect(own.status, own.text).toBe(201);
        expect(own.json().tenantId).toBe(sweep.tenants.a.tenantId);
      });
      expect(await operatorKeys()).toBe(before);
    },
  },

  'DELETE /v1/admin/keys/:keyId': {
    access: admins,
    sample: (tenants) => ({ method: 'DELETE', url: `/v1/admin/keys/${tenants.b.keys.admin.keyId}` }),
    async isolate(sweep) {
      const { b } = sweep.tenants;
      await expectBUntouched(sweep, async () => {
        for (const keyId of [...Object.values(b.keys).map((key) => key.keyId), sweep.tenants.operatorKeyId]) {
          await answersAsAbsent(sweep, 'admin', { method: 'DELETE', url: `/v1/admin/keys/${keyId}` }, { method: 'DELETE', url: '/v1/admin/keys/0123456789abcdef' }, 'not-found');
        }
      });
      for (const key of Object.values(b.keys)) expect(await authenticateApiKey(sweep.pool, key.apiKey)).not.toBeNull();
      expect(await authenticateApiKey(sweep.pool, sweep.tenants.operatorKey)).not.toBeNull();
    },
  },

  'POST /v1/admin/secrets/rotate': {
    access: admins,
    sample: () => ({ method: 'POST', url: '/v1/admin/secrets/rotate', payload: { tenantId: 'bravo' } }),
    async isolate(sweep) {
      await expectBUntouched(sweep, () => answersAsAbsent(sweep, 'admin',
        { method: 'POST', url: '/v1/admin/secrets/rotate', payload: { tenantId: 'bravo' } },
        { method: 'POST', url: '/v1/admin/secrets/rotate', payload: { tenantId: 'no-such-tenant' } },
        'not-found'));
    },
  },

  'POST /v1/admin/secrets/retire-old': {
    access: admins,
    sample: () => ({ method: 'POST', url: '/v1/admin/secrets/retire-old', payload: { tenantId: 'bravo' } }),
    async isolate(sweep) {
      await expectBUntouched(sweep, () => answersAsAbsent(sweep, 'admin',
        { method: 'POST', url: '/v1/admin/secrets/retire-old', payload: { tenantId: 'bravo' } },
        { method: 'POST', url: '/v1/admin/secrets/retire-old', payload: { tenantId: 'no-such-tenant' } },
        'not-found'));
    },
  },
};
