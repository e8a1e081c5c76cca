import type { FastifyInstance } from 'fastify';
import { RulesConfig } from '@backstop/contracts';
import { jsonPath, Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { loadDetectorRules, saveDetectorRules } from '@backstop/tenancy';
import { requireRole } from './auth/authenticate';

/** A tenant's detector settings: thresholds, switches and allowlists per rule. */
export async function rulesRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const admin = requireRole(pool, ['admin']);
  const ownTenant = (tenantId: string | null) => {
    if (!tenantId) throw new Problem(400, 'tenant-required', 'Rules belong to a tenant', 'Use a tenant admin key.');
    return tenantId;
  };

  app.get('/v1/rules', { preHandler: admin }, async (request) => {
    const { stored, effective, updatedAt } = await loadDetectorRules(pool, ownTenant(request.principal!.tenantId));
    return { data: effective, stored, updatedAt };
  });

  app.put('/v1/rules', { preHandler: admin }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId);
    const parsed = RulesConfig.safeParse(request.body);
    if (!parsed.success) {
      throw new Problem(400, 'invalid-rules', 'Invalid detector rules', undefined, {
        errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
      });
    }
    return { data: await saveDetectorRules(pool, tenantId, request.body) };
  });
}
