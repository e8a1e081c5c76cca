import type { FastifyInstance } from 'fastify';
import { RefundPolicy } from '@backstop/contracts';
import { jsonPath, Problem } from '@backstop/http';
import { parseStoredPolicy, saveRefundPolicy } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { requireRole } from './auth/authenticate';

/** A tenant's refund policy; a saved change reaches the workers with their next batch. */
export async function policyRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const admin = requireRole(pool, ['admin']);
  const ownTenant = (tenantId: string | null) => {
    if (!tenantId) throw new Problem(400, 'tenant-required', 'Policies belong to a tenant', 'Use a tenant admin key.');
    return tenantId;
  };

  app.get('/v1/policy', { preHandler: admin }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId);
    const stored = await pool.query<{ document: unknown; updated_by: string; updated_at: Date }>('SELECT document, updated_by, updated_at FROM refund_policies WHERE tenant_id = $1', [tenantId]);
    const row = stored.rows[0];
    return { data: parseStoredPolicy(row?.document).policy, updatedBy: row?.updated_by ?? null, updatedAt: row?.updated_at.toISOString() ?? null };
  });

  app.put('/v1/policy', { preHandler: admin }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId);
    const parsed = RefundPolicy.safeParse(request.body);
    if (!parsed.success) {
      throw new Problem(400, 'invalid-policy', 'Invalid refund policy', undefined, {
        errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
      });
    }
    return { data: await saveRefundPolicy(pool, tenantId, parsed.data, `key:${request.principal!.keyId}`) };
  });
}
