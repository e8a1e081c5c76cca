import { expect } from 'vitest';
import { signLinkToken } from '../../services/console/src/payer/link-token';
import { issuePayerLink } from '../../services/console/src/payer/payer-links';
import { tenantKeys } from '../../services/console/src/signing/tenant-keys';
import { expectBUntouched, expectProblem, type ConsoleSweep, type RouteProbe } from './console-sweep';
import type { SeededTenant } from './two-tenants';

const linkIssuers = ['ops', 'admin', 'platform'] as const;
const unknownFlag = `flg_${'0'.repeat(32)}`;

/** A tenant's first flag that led to a decision a payer can follow. */
async function decidedFlag(sweep: ConsoleSweep, tenant: SeededTenant): Promise<string> {
  const found = await sweep.pool.query<{ flag_id: string }>(
    "SELECT f.flag_id FROM flags f JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id WHERE f.tenant_id = $1 AND d.status <> 'shadowed' ORDER BY 1 LIMIT 1",
    [tenant.tenantId],
  );
  return found.rows[0]!.flag_id;
}

const linksOf = async (sweep: ConsoleSweep, tenantId: string) =>
  (await sweep.pool.query<{ link_id: string; revoked_at: Date | null }>('SELECT link_id, revoked_at FROM payer_links WHERE tenant_id = $1 ORDER BY 1', [tenantId])).rows;

/** B's link, and the same claims re-signed by A's secret under A's name: what an A insider could forge. */
async function forgedByA(sweep: ConsoleSweep): Promise<{ real: string; forged: string }> {
  const { a, b } = sweep.tenants;
  const flagId = await decidedFlag(sweep, b);
  const link = await issuePayerLink(sweep.pool, b.tenantId, flagId, 'probe', 1, new Date());
  const claims = { tenantId: a.tenantId, flagId, linkId: link.linkId, expiresAt: link.expiresAt.getTime() / 1000 };
  return { real: link.token, forged: signLinkToken(claims, (await tenantKeys(sweep.pool, a.tenantId)).linkSecret) };
}

/** A's evidence file of B's flag is the 404 of a flag that does not exist. */
function evidenceProbe(extension: 'json' | 'pdf'): RouteProbe {
  return {
    access: ['ops', 'admin', 'finance', 'platform'],
    sample: (tenants) => ({ method: 'GET', url: `/v1/flags/${tenants.b.flags[0]!.flagId}/evidence.${extension}` }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      for (const role of ['ops', 'admin', 'finance'] as const) {
        for (const flag of b.flags) {
          const forB = await sweep.asA(role, { method: 'GET', url: `/v1/flags/${flag.flagId}/evidence.${extension}` });
          expectProblem(forB, 404, 'not-found');
          expect(forB.json()).toEqual((await sweep.asA(role, { method: 'GET', url: `/v1/flags/${unknownFlag}/evidence.${extension}` })).json());
        }
      }
      expect((await sweep.asA('finance', { method: 'GET', url: `/v1/flags/${a.flags[0]!.flagId}/evidence.${extension}` })).status).toBe(200);
    },
  };
}

/** The payer's evidence file through a link: B's flag under a token A forged is the one "not valid" page. */
function payerEvidenceProbe(extension: 'json' | 'pdf'): RouteProbe {
  return {
    access: 'public',
    sample: () => ({ method: 'GET', url: `/p/pl1.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/evidence.${extension}` }),
    async isolate(sweep) {
      const { forged } = await forgedByA(sweep);
      const answer = await sweep.asA('no key', { method: 'GET', url: `/p/${forged}/evidence.${extension}` });
      expect(answer.status).toBe(404);
      expect(answer.text).toContain('This link is not valid');
      const ours = await issuePayerLink(sweep.pool, sweep.tenants.a.tenantId, await decidedFlag(sweep, sweep.tenants.a), 'probe', 1, new Date());
      expect((await sweep.asA('no key', { method: 'GET', url: `/p/${ours.token}/evidence.${extension}` })).status).toBe(200);
    },
  };
}

const notificationsOf = async (sweep: ConsoleSweep, tenantId: string) =>
  (await sweep.pool.query<{ url: string }>('SELECT url FROM notification_webhooks WHERE tenant_id = $1', [tenantId])).rows;

export const payerProbes: Record<string, RouteProbe> = {
  'PUT /v1/notification-webhook': {
    access: ['admin'],
    sample: () => ({ method: 'PUT', url: '/v1/notification-webhook', payload: { url: 'https://probe.example/' } }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      const theirs = await notificationsOf(sweep, b.tenantId);
      const url = 'https://alpha.example/flag-decided';
      expect((await sweep.asA('admin', { method: 'PUT', url: '/v1/notification-webhook?tenant=bravo', payload: { url } })).status).toBe(200);
      expect(await notificationsOf(sweep, a.tenantId)).toEqual([{ url }]);
      expect(await notificationsOf(sweep, b.tenantId)).toEqual(theirs);
    },
  },

  'GET /v1/notifications': {
    access: ['ops', 'admin', 'platform'],
    sample: () => ({ method: 'GET', url: '/v1/notifications' }),
    async isolate(sweep) {
      const { b } = sweep.tenants;
      // A delivery of B's, which A's readers must never see.
      const flagId = await decidedFlag(sweep, b);
      const link = await issuePayerLink(sweep.pool, b.tenantId, flagId, 'probe', 1, new Date());
      await sweep.pool.query(
        `INSERT INTO flag_notifications (decision_id, tenant_id, flag_id, link_id, payload)
         SELECT d.decision_id, f.tenant_id, f.flag_id, $3, '{}'::jsonb FROM flags f JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id
          WHERE f.tenant_id = $1 AND f.flag_id = $2 ON CONFLICT DO NOTHING`,
        [b.tenantId, flagId, link.linkId],
      );
      for (const role of ['ops', 'admin'] as const) {
        for (const url of ['/v1/notifications', '/v1/notifications?status=pending', '/v1/notifications?limit=500']) {
          const answer = await sweep.asA(role, { method: 'GET', url });
          expect(answer.status, url).toBe(200);
          expect(answer.json<{ data: unknown[] }>().data, url).toEqual([]);
        }
      }
      expect((await sweep.asOperator({ method: 'GET', url: '/v1/notifications' })).json<{ data: unknown[] }>().data.length).toBeGreaterThan(0);
    },
  },

  'GET /v1/flags/:flagId/evidence.json': evidenceProbe('json'),
  'GET /v1/flags/:flagId/evidence.pdf': evidenceProbe('pdf'),

  'GET /.well-known/backstop/evidence-keys/:tenantId': {
    access: 'public',
    sample: (tenants) => ({ method: 'GET', url: `/.well-known/backstop/evidence-keys/${tenants.a.tenantId}` }),
    async isolate(sweep) {
      // Public keys only: B's key is B's to publish, and nothing secret of anyone's is in it.
      for (const tenant of [sweep.tenants.a, sweep.tenants.b]) await tenantKeys(sweep.pool, tenant.tenantId);
      const answer = await sweep.asA('no key', { method: 'GET', url: `/.well-known/backstop/evidence-keys/${sweep.tenants.a.tenantId}` });
      expect(answer.status).toBe(200);
      expect(Object.keys(answer.json<{ keys: Record<string, unknown>[] }>().keys[0]!).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    },
  },

  'POST /v1/flags/:flagId/payer-links': {
    access: linkIssuers,
    sample: (tenants) => ({ method: 'POST', url: `/v1/flags/${tenants.b.flags[0]!.flagId}/payer-links` }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      const before = await linksOf(sweep, b.tenantId);
      for (const role of ['ops', 'admin'] as const) {
        for (const flag of b.flags) {
          const forB = await sweep.asA(role, { method: 'POST', url: `/v1/flags/${flag.flagId}/payer-links` });
          expectProblem(forB, 404, 'not-found');
          expect(forB.json()).toEqual((await sweep.asA(role, { method: 'POST', url: `/v1/flags/${unknownFlag}/payer-links` })).json());
        }
      }
      expect(await linksOf(sweep, b.tenantId)).toEqual(before);
      const own = await sweep.asA('ops', { method: 'POST', url: `/v1/flags/${await decidedFlag(sweep, a)}/payer-links` });
      expect(own.status, own.text).toBe(201);
    },
  },

  'DELETE /v1/payer-links/:linkId': {
    access: linkIssuers,
    sample: () => ({ method: 'DELETE', url: '/v1/payer-links/AAAAAAAAAAAAAAAAAAAAAA' }),
    async isolate(sweep) {
      const { a, b } = sweep.tenants;
      const theirs = await issuePayerLink(sweep.pool, b.tenantId, await decidedFlag(sweep, b), 'probe', 1, new Date());
      for (const role of ['ops', 'admin'] as const) {
        expectProblem(await sweep.asA(role, { method: 'DELETE', url: `/v1/payer-links/${theirs.linkId}` }), 404, 'not-found');
      }
      expect((await linksOf(sweep, b.tenantId)).find((link) => link.link_id === theirs.linkId)?.revoked_at).toBeNull();
      const ours = await issuePayerLink(sweep.pool, a.tenantId, await decidedFlag(sweep, a), 'probe', 1, new Date());
      expect((await sweep.asA('ops', { method: 'DELETE', url: `/v1/payer-links/${ours.linkId}` })).status).toBe(204);
    },
  },

  'GET /p/:token': {
    access: 'public',
    sample: () => ({ method: 'GET', url: '/p/pl1.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
    async isolate(sweep) {
      const { forged } = await forgedByA(sweep);
      const answer = await sweep.asA('no key', { method: 'GET', url: `/p/${forged}` });
      expect(answer.status).toBe(404);
      expect(answer.text).toContain('This link is not valid');
      const ours = await issuePayerLink(sweep.pool, sweep.tenants.a.tenantId, await decidedFlag(sweep, sweep.tenants.a), 'probe', 1, new Date());
      expect((await sweep.asA('no key', { method: 'GET', url: `/p/${ours.token}` })).status).toBe(200);
    },
  },

  'GET /p/:token/evidence.json': payerEvidenceProbe('json'),
  'GET /p/:token/evidence.pdf': payerEvidenceProbe('pdf'),

  'POST /p/:token/answer': {
    access: 'public',
    sample: () => ({ method: 'POST', url: '/p/pl1.e30.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/answer', payload: { answer: 'mistake' } }),
    async isolate(sweep) {
      const { forged } = await forgedByA(sweep);
      await expectBUntouched(sweep, async () => {
        const answer = await sweep.asA('no key', { method: 'POST', url: `/p/${forged}/answer`, payload: { answer: 'mistake' } });
        expect(answer.status).toBe(404);
      });
      const answers = await sweep.pool.query('SELECT 1 FROM payer_answers WHERE tenant_id = $1', [sweep.tenants.b.tenantId]);
      expect(answers.rowCount).toBe(0);
    },
  },
};
