import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PlatformValue, TenantId } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import {
  createApiKey, createTenant, retireOldSecrets, revokeApiKey, Role, rotateWebhookSecret, RotationError, tenantExists, type Principal,
} from '@backstop/tenancy';
import { requireRole } from '../auth/authenticate';
import { authRejections, bodyRejections, json, noContent, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { parseBody } from '../request-parts';

/** An admin acts on its own tenant; an operator names the tenant. Other tenants look absent. */
async function targetTenant(pool: Pool, principal: Principal, requested: string | undefined): Promise<string> {
  const tenantId = principal.role === 'operator' ? requested : principal.tenantId;
  if (principal.role !== 'operator' && requested !== undefined && requested !== principal.tenantId) {
    throw new Problem(404, 'not-found', 'No such tenant');
  }
  if (!tenantId) throw new Problem(400, 'invalid-body', 'tenantId is required', undefined, { errors: [{ path: '$.tenantId', message: 'required' }] });
  if (!(await tenantExists(pool, tenantId))) throw new Problem(404, 'not-found', 'No such tenant');
  return tenantId;
}

const NewTenant = z.strictObject({ tenantId: TenantId, name: PlatformValue.max(200), timeZone: z.string().max(64).optional() });
/** Key ids are 16 hex digits; anything else is answered like an unknown key. */
const KeyParams = z.strictObject({ keyId: z.string().regex(/^[0-9a-f]{16}$/) });
const NewKey = z.strictObject({ tenantId: TenantId.optional(), role: Role });
const TenantOnly = z.strictObject({ tenantId: TenantId.optional() });

const CreatedTenant = z.object({ tenantId: z.string(), webhookSecret: z.string().describe('Shown once: the platform signs its webhooks with it.') });
const CreatedKey = z.object({
  keyId: z.string(), apiKey: z.string().describe('Shown once; only its hash is stored.'), tenantId: z.string().nullable(), role: Role,
});
const RotatedSecret = z.object({ tenantId: z.string(), secretId: z.string(), webhookSecret: z.string().describe('Shown once.') });
const RetiredSecrets = z.object({ tenantId: z.string(), retired: z.int() });

const admins = ['admin'] as const;
const invalidBody = problem('`invalid-body`: `errors` names each offending field by its JSON path; `malformed-json`.');
const ownTenantOnly = 'An admin acts on its own tenant; an operator names it in `tenantId`.';
const noSuchTenant = problem('`not-found`: no such tenant, or another tenant\'s.');

const newTenantSchema = describeRoute({
  summary: 'Create a tenant',
  roles: [],
  body: NewTenant,
  responses: {
    201: json('The tenant and its first webhook secret.', CreatedTenant),
    400: invalidBody, ...authRejections, 409: problem('`tenant-exists`.'), ...bodyRejections,
  },
});
const newKeySchema = describeRoute({
  summary: 'Create an API key',
  description: `${ownTenantOnly} Only operators create operator keys.`,
  roles: admins,
  body: NewKey,
  responses: { 201: json('The key, shown once.', CreatedKey), 400: invalidBody, ...authRejections, 404: noSuchTenant, ...bodyRejections },
});
const revokeKeySchema = describeRoute({
  summary: 'Revoke an API key',
  roles: admins,
  params: KeyParams,
  responses: { 204: noContent('Revoked.'), ...authRejections, 404: problem('`not-found`: no such key, or another tenant\'s.') },
});
const rotateSchema = describeRoute({
  summary: 'Add a second webhook secret beside the first',
  description: `${ownTenantOnly} The platform may sign with either until \`retire-old\`.`,
  roles: admins,
  body: TenantOnly,
  bodyMayBeOmitted: true,
  responses: {
    201: json('The new secret.', RotatedSecret),
    400: invalidBody, ...authRejections, 404: noSuchTenant,
    409: problem('`rotation-in-progress`: two secrets are active already; retire the old one first.'),
    ...bodyRejections,
  },
});
const retireSchema = describeRoute({
  summary: 'Retire every webhook secret but the newest',
  description: ownTenantOnly,
  roles: admins,
  body: TenantOnly,
  bodyMayBeOmitted: true,
  responses: { 200: json('How many secrets were retired.', RetiredSecrets), 400: invalidBody, ...authRejections, 404: noSuchTenant, ...bodyRejections },
});

/** Tenants, keys and webhook secrets: the same operations as `npm run cli`. */
export async function adminRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const operatorOnly = requireRole(pool, []);
  const admin = requireRole(pool, admins);

  app.post('/v1/admin/tenants', { preHandler: operatorOnly, schema: newTenantSchema }, async (request, reply) => {
    const body = parseBody(NewTenant, request.body);
    if (body.timeZone && !Intl.supportedValuesOf('timeZone').includes(body.timeZone)) {
      throw new Problem(400, 'invalid-body', 'Unknown time zone', undefined, { errors: [{ path: '$.timeZone', message: 'an IANA time zone such as Asia/Shanghai' }] });
    }
    if (await tenantExists(pool, body.tenantId)) throw new Problem(409, 'tenant-exists', 'Tenant already exists');
    const created = await createTenant(pool, body);
    return reply.status(201).send(created);
  });

  app.post('/v1/admin/keys', { preHandler: admin, schema: newKeySchema }, async (request, reply) => {
    const body = parseBody(NewKey, request.body);
    const principal = request.principal!;
    if (body.role === 'operator' && principal.role !== 'operator') throw new Problem(403, 'forbidden', 'Only operators create operator keys');
    const tenantId = body.role === 'operator' ? null : await targetTenant(pool, principal, body.tenantId);
    const created = await createApiKey(pool, tenantId, body.role);
    return reply.status(201).send({ ...created, tenantId, role: body.role });
  });

  app.delete('/v1/admin/keys/:keyId', { preHandler: admin, schema: revokeKeySchema }, async (request, reply) => {
    const params = KeyParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such key');
    const { keyId } = params.data;
    const principal = request.principal!;
    const owner = await pool.query<{ tenant_id: string | null }>('SELECT tenant_id FROM api_keys WHERE key_id = $1', [keyId]);
    const row = owner.rows[0];
    if (!row || (principal.role !== 'operator' && row.tenant_id !== principal.tenantId)) throw new Problem(404, 'not-found', 'No such key');
    await revokeApiKey(pool, keyId);
    return reply.status(204).send();
  });

  app.post('/v1/admin/secrets/rotate', { preHandler: admin, schema: rotateSchema }, async (request, reply) => {
    const tenantId = await targetTenant(pool, request.principal!, parseBody(TenantOnly, request.body).tenantId);
    try {
      return reply.status(201).send({ tenantId, ...(await rotateWebhookSecret(pool, tenantId)) });
    } catch (error) {
      if (error instanceof RotationError) throw new Problem(409, error.code, 'Rotation in progress', error.message);
      throw error;
    }
  });

  app.post('/v1/admin/secrets/retire-old', { preHandler: admin, schema: retireSchema }, async (request) => {
    const tenantId = await targetTenant(pool, request.principal!, parseBody(TenantOnly, request.body).tenantId);
    return { tenantId, retired: await retireOldSecrets(pool, tenantId) };
  });
}
