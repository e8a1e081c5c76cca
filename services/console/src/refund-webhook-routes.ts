import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { setRefundWebhook } from '@backstop/ledger';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from './auth/authenticate';
import { authRejections, bodyRejections, json, noContent, problem } from './openapi/answers';
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

const Delivery = z.object({
  decisionId: z.string(),
  attempts: z.int(),
  deliveredAt: z.iso.datetime().nullable(),
  nextAttemptAt: z.iso.datetime().nullable().describe('Null once delivered.'),
  lastError: z.string().nullable().describe('Why the last attempt failed: the status or the network error.'),
});
const RefundWebhookState = z.object({
  url: z.string(),
  registeredAt: z.iso.datetime(),
  pending: z.int().describe('Refund commands not yet taken by the endpoint.'),
  failing: z.int().describe('Of those, the ones whose last attempt failed.'),
  oldestPendingSince: z.iso.datetime().nullable(),
  recent: z.array(Delivery).describe('The latest deliveries, newest first.'),
});

const getSchema = describeRoute({
  summary: 'The tenant\'s refund endpoint and how its deliveries stand',
  description: 'A decision is `sent` once its command is on Kafka; this says whether the endpoint took it too. The secret is never shown again.',
  roles: ['admin', 'finance', 'ops'],
  responses: {
    200: json('The endpoint and its deliveries.', z.object({ data: RefundWebhookState })),
    400: problem('`tenant-required`: use a tenant key.'),
    404: problem('`refund-webhook-not-set`: the tenant has no refund endpoint.'),
    ...authRejections,
  },
});

const deleteSchema = describeRoute({
  summary: 'Stop posting refund commands to the tenant\'s endpoint',
  description: 'Commands still go to Kafka; deliveries not yet taken are no longer tried unless an endpoint is set again.',
  roles: ['admin'],
  responses: { 204: noContent('Removed, or there was none.'), 400: problem('`tenant-required`: use a tenant admin key.'), ...authRejections },
});

const notSet = () => new Problem(404, 'refund-webhook-not-set', 'No refund endpoint', 'Set one with PUT /v1/refund-webhook.');

/** Points the tenant's refund commands at its endpoint; the signing secret is returned once. */
export async function refundWebhookRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.get('/v1/refund-webhook', { preHandler: requireRole(pool, ['admin', 'finance', 'ops']), schema: getSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Refund webhooks');
    const endpoint = await pool.query<{ url: string; created_at: Date; pending: number; failing: number; oldest: Date | null }>(
      `SELECT w.url, w.created_at,
              count(o.*) FILTER (WHERE o.published_at IS NULL)::int AS pending,
              count(o.*) FILTER (WHERE o.published_at IS NULL AND o.last_error IS NOT NULL)::int AS failing,
              min(o.created_at) FILTER (WHERE o.published_at IS NULL) AS oldest
         FROM refund_webhooks w
         LEFT JOIN refund_outbox o ON o.tenant_id = w.tenant_id AND o.destination = 'webhook'
        WHERE w.tenant_id = $1
        GROUP BY w.url, w.created_at`,
      [tenantId],
    );
    const row = endpoint.rows[0];
    if (!row) throw notSet();
    const recent = await pool.query<{ decision_id: string; attempts: number; published_at: Date | null; next_attempt_at: Date; last_error: string | null }>(
      `SELECT decision_id, attempts, published_at, next_attempt_at, last_error FROM refund_outbox
        WHERE tenant_id = $1 AND destination = 'webhook' ORDER BY created_at DESC, outbox_id DESC LIMIT 50`,
      [tenantId],
    );
    return {
      data: {
        url: row.url, registeredAt: row.created_at.toISOString(), pending: row.pending, failing: row.failing,
        oldestPendingSince: row.oldest?.toISOString() ?? null,
        recent: recent.rows.map((delivery) => ({
          decisionId: delivery.decision_id, attempts: delivery.attempts, deliveredAt: delivery.published_at?.toISOString() ?? null,
          nextAttemptAt: delivery.published_at ? null : delivery.next_attempt_at.toISOString(), lastError: delivery.last_error,
        })),
      },
    };
  });

  app.delete('/v1/refund-webhook', { preHandler: requireRole(pool, ['admin']), schema: deleteSchema }, async (request, reply) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Refund webhooks');
    await pool.query('DELETE FROM refund_webhooks WHERE tenant_id = $1', [tenantId]);
    return reply.status(204).send();
  });

  app.put('/v1/refund-webhook', { preHandler: requireRole(pool, ['admin']), schema: setSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Refund webhooks');
    const { url } = parseBody(RefundWebhookBody, request.body, 'invalid-refund-webhook', 'Invalid refund webhook');
    const { secret } = await setRefundWebhook(pool, tenantId, url);
    return { data: { url, secret } };
  });
}
