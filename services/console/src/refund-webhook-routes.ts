import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { setRefundWebhook } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { requireRole } from './auth/authenticate';
import { authRejections, bodyRejections, json, problem } from './openapi/answers';
import { describeRoute } from './openapi/describe-route';
import { ownTenant, parseBody } from './request-parts';

const RefundWebhookBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2048) });
const RefundWebhook = z.object({ url: z.string(), secret: z.string().describe('Shown once: refund commands are signed with it.') });

const setSchema = describeRoute({
  summary: 'Point the tenant\'s refund commands at its endpoint',
  roles: ['admin'],
  body: RefundWebhookBody,
  responses: {
    200: json('The endpoint and its new signing secret.', z.object({ data: RefundWebhook })),
    400: problem('`invalid-refund-webhook`: `errors` names each offending field by its JSON path; `tenant-required`: use a tenant admin key.'),
    ...authRejections,
    ...bodyRejections,
  },
});

/** Points the tenant's refund commands at its endpoint; the signing secret is returned once. */
export async function refundWebhookRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.put('/v1/refund-webhook', { preHandler: requireRole(pool, ['admin']), schema: setSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Refund webhooks');
    const { url } = parseBody(RefundWebhookBody, request.body, 'invalid-refund-webhook', 'Invalid refund webhook');
    const { secret } = await setRefundWebhook(pool, tenantId, url);
    return { data: { url, secret } };
  });
}
