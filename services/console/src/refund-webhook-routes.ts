import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';
import { setRefundWebhook } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { requireRole } from './auth/authenticate';

const RefundWebhookBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2048) });

/** Points the tenant's refund commands at its endpoint; the signing secret is returned once. */
export async function refundWebhookRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.put('/v1/refund-webhook', { preHandler: requireRole(pool, ['admin']) }, async (request) => {
    const tenantId = request.principal!.tenantId;
    if (!tenantId) throw new Problem(400, 'tenant-required', 'Refund webhooks belong to a tenant', 'Use a tenant admin key.');
    const body = RefundWebhookBody.safeParse(request.body);
    if (!body.success) {
      throw new Problem(400, 'invalid-refund-webhook', 'Invalid refund webhook', undefined, {
        errors: body.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
      });
    }
    const { secret } = await setRefundWebhook(pool, tenantId, body.data.url);
    return { data: { url: body.data.url, secret } };
  });
}
