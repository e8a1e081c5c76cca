import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Pool } from '@backstop/postgres';
import { generateWebhookSecret } from '@backstop/signing';
import { SECRET_OVERLAP } from '@backstop/ledger';
import { requireRole } from '../auth/authenticate';
import { authRejections, bodyRejections, invalidQuery, json, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { parseQuery } from '../query';
import { ownTenant, parseBody } from '../request-parts';

const WebhookBody = z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2048) });
const Webhook = z.object({ url: z.string(), secret: z.string().describe('Shown once: `flag.decided` events are signed with it.') });
const ListQuery = z.strictObject({
  status: z.enum(['pending', 'delivered', 'gave-up']).optional()
    .describe('`pending`: not taken by the platform yet (with the last error, if any); `gave-up`: its payer link expired before the platform took it, or it could not be linked for as long as a link lives.'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
const Delivery = z.object({
  decisionId: z.string(), flagId: z.string(), linkId: z.string().nullable().describe('Null until the console has issued the event\'s payer link.'), createdAt: z.string(), attempts: z.int(),
  deliveredAt: z.string().nullable(), gaveUpAt: z.string().nullable().describe('When the console stopped trying; null while it tries, and once delivered.'),
  nextAttemptAt: z.string().nullable().describe('Null once delivered or given up.'), lastError: z.string().nullable(),
});

const setSchema = describeRoute({
  summary: 'Point the tenant\'s flag.decided events at its endpoint',
  description: 'From now on each new refund decision is posted as a `flag.decided` event carrying the payer link, signed the Standard Webhooks way '
    + 'with the returned secret (message id `flagdecided_<decisionId>`), and retried with backoff until the endpoint answers 2xx.',
  roles: ['admin'],
  body: WebhookBody,
  responses: {
    200: json('The endpoint and its new signing secret.', z.object({ data: Webhook })),
    400: problem('`invalid-notification-webhook`: `errors` names each offending field by its JSON path; `tenant-required`: use a tenant admin key.'),
    ...authRejections,
    ...bodyRejections,
  },
});
const listSchema = describeRoute({
  summary: 'Deliveries of flag.decided events, newest first',
  roles: ['ops', 'admin', 'platform'],
  querystring: ListQuery,
  responses: { 200: json('The deliveries.', z.object({ data: z.array(Delivery) })), 400: invalidQuery, ...authRejections },
});

export async function notificationRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.put('/v1/notification-webhook', { preHandler: requireRole(pool, ['admin']), schema: setSchema }, async (request) => {
    const tenantId = ownTenant(request.principal!.tenantId, 'Notification webhooks');
    const { url } = parseBody(WebhookBody, request.body, 'invalid-notification-webhook', 'Invalid notification webhook');
    const secret = generateWebhookSecret();
    await pool.query(
      `INSERT INTO notification_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret,
         previous_secret = notification_webhooks.secret, previous_secret_until = now() + $4::interval`,
      [tenantId, url, secret, SECRET_OVERLAP],
    );
    return { data: { url, secret } };
  });

  app.get('/v1/notifications', { preHandler: requireRole(pool, ['ops', 'admin', 'platform']), schema: listSchema }, async (request) => {
    const { status, limit } = parseQuery(ListQuery, request);
    const rows = await pool.query<{ decision_id: string; flag_id: string; link_id: string | null; created_at: Date; attempts: number; delivered_at: Date | null; gave_up_at: Date | null; next_attempt_at: Date; last_error: string | null }>(
      `SELECT decision_id, flag_id, link_id, created_at, attempts, delivered_at, gave_up_at, next_attempt_at, last_error FROM flag_notifications
        WHERE ($1::text IS NULL OR tenant_id = $1)
          AND CASE $2::text WHEN 'delivered' THEN delivered_at IS NOT NULL
                            WHEN 'gave-up' THEN gave_up_at IS NOT NULL
                            WHEN 'pending' THEN delivered_at IS NULL AND gave_up_at IS NULL
                            ELSE true END
        ORDER BY created_at DESC, decision_id LIMIT $3`,
      [request.principal!.tenantId, status ?? null, limit],
    );
    return {
      data: rows.rows.map((row) => ({
        decisionId: row.decision_id, flagId: row.flag_id, linkId: row.link_id, createdAt: row.created_at.toISOString(), attempts: row.attempts,
        deliveredAt: row.delivered_at?.toISOString() ?? null, gaveUpAt: row.gave_up_at?.toISOString() ?? null,
        nextAttemptAt: row.delivered_at || row.gave_up_at ? null : row.next_attempt_at.toISOString(), lastError: row.last_error,
      })),
    };
  });
}
