import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { RulesConfig } from '@backstop/contracts';
import type { Pool } from '@backstop/postgres';
import { loadDetectorRules, saveDetectorRules } from '@backstop/tenancy';
import { requireRole } from './auth/authenticate';
import { authRejections, bodyRejections, json, problem } from './openapi/answers';
import { describeRoute } from './openapi/describe-route';
import { ownTenant, parseBody } from './request-parts';

const StoredRules = z.object({
  data: RulesConfig.describe('The settings in force: the stored ones over the defaults.'),
  stored: z.unknown().describe('What the tenant stored: only what differs from the defaults.'),
  updatedAt: z.iso.datetime().nullable(),
});
const tenantRequired = '`tenant-required`: rules belong to a tenant; use a tenant admin key.';

const showSchema = describeRoute({
  summary: 'The tenant\'s detector rules',
  roles: ['admin'],
  responses: { 200: json('The settings in force and what is stored.', StoredRules), 400: problem(tenantRequired), ...authRejections },
});
const saveSchema = describeRoute({
  summary: 'Replace the tenant\'s detector rules',
  description: 'Store only what differs from the defaults; the detector rereads rules within 30 s.',
  roles: ['admin'],
  body: RulesConfig,
  responses: {
    200: json('The settings in force.', z.object({ data: RulesConfig })),
    400: problem(`\`invalid-rules\`: \`errors\` names each offending field by its JSON path; ${tenantRequired}`),
    ...authRejections,
    ...bodyRejections,
  },
});

/** A tenant's detector settings: thresholds, switches and allowlists per rule. */
export async function rulesRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const admin = requireRole(pool, ['admin']);

  app.get('/v1/rules', { preHandler: admin, schema: showSchema }, async (request) => {
    const { stored, effective, updatedAt } = await loadDetectorRules(pool, ownTenant(request.principal!.tenantId, 'Rules'));
    return { data: effective, stored, updatedAt };
  });

  app.put('/v1/rules', { preHandler: admin, schema: saveSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Rules');
    // Validated whole, stored as sent: a tenant keeps only what differs from the defaults.
    parseBody(RulesConfig, request.body, 'invalid-rules', 'Invalid detector rules');
    return { data: await saveDetectorRules(pool, tenantId, request.body) };
  });
}
