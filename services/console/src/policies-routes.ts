import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RefundPolicy } from '@backstop/contracts';
import { parseStoredPolicy, saveRefundPolicy } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { requireRole } from './auth/authenticate';
import { authRejections, bodyRejections, json, problem } from './openapi/answers';
import { describeRoute } from './openapi/describe-route';
import { ownTenant, parseBody } from './request-parts';

const StoredPolicy = z.object({
  data: RefundPolicy.describe('The policy in force: the built-in defaults until one is saved.'),
  updatedBy: z.string().nullable(),
  updatedAt: z.iso.datetime().nullable(),
});
const tenantRequired = '`tenant-required`: policies belong to a tenant; use a tenant admin key.';

const showSchema = describeRoute({
  summary: 'The tenant\'s refund policy',
  roles: ['admin'],
  responses: { 200: json('The policy and who saved it last.', StoredPolicy), 400: problem(tenantRequired), ...authRejections },
});
const saveSchema = describeRoute({
  summary: 'Replace the tenant\'s refund policy',
  description: 'Takes effect with the refund workers\' next batch.',
  roles: ['admin'],
  body: RefundPolicy,
  responses: {
    200: json('The policy as saved, defaults filled in.', z.object({ data: RefundPolicy })),
    400: problem(`\`invalid-policy\`: \`errors\` names each offending field by its JSON path; ${tenantRequired}`),
    ...authRejections,
    ...bodyRejections,
  },
});

/** A tenant's refund policy; a saved change reaches the workers with their next batch. */
export async function policyRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const admin = requireRole(pool, ['admin']);

  app.get('/v1/policy', { preHandler: admin, schema: showSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Policies');
    const stored = await pool.query<{ document: unknown; updated_by: string; updated_at: Date }>('SELECT document, updated_by, updated_at FROM refund_policies WHERE tenant_id = $1', [tenantId]);
    const row = stored.rows[0];
    return { data: parseStoredPolicy(row?.document).policy, updatedBy: row?.updated_by ?? null, updatedAt: row?.updated_at.toISOString() ?? null };
  });

  app.put('/v1/policy', { preHandler: admin, schema: saveSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Policies');
    const parsed = parseBody(RefundPolicy, request.body, 'invalid-policy', 'Invalid refund policy');
    return { data: await saveRefundPolicy(pool, tenantId, parsed, `key:${request.principal!.keyId}`) };
  });
}
