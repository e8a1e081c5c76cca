import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { PlatformValue, TenantId } from '@backstop/contracts';
import { jsonPath, Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import {
  createApiKey, createTenant, retireOldSecrets, revokeApiKey, Role, rotateWebhookSecret, RotationError, tenantExists, type Principal,
} from '@backstop/tenancy';
import { requireRole } from '../auth/authenticate';

function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  throw new Problem(400, 'invalid-body', 'Invalid body', undefined, {
    errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
  });
}

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

/** Tenants, keys and webhook secrets: the same operations as `npm run cli`. */
export async function adminRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  const operatorOnly = { preHandler: requireRole(pool, []) };
  const admins = { preHandler: requireRole(pool, ['admin']) };

  app.post('/v1/admin/tenants', operatorOnly, async (request, reply) => {
    const body = parseBody(NewTenant, request.body);
    if (body.timeZone && !Intl.supportedValuesOf('timeZone').includes(body.timeZone)) {
      throw new Problem(400, 'invalid-body', 'Unknown time zone', undefined, { errors: [{ path: '$.timeZone', message: 'an IANA time zone such as Asia/Shanghai' }] });
    }
    if (await tenantExists(pool, body.tenantId)) throw new Problem(409, 'tenant-exists', 'Tenant already exists');
    const created = await createTenant(pool, body);
    return reply.status(201).send(created);
  });

  app.post('/v1/admin/keys', admins, async (request, reply) => {
    const body = parseBody(NewKey, request.body);
    const principal = request.principal!;
    if (body.role === 'operator' && principal.role !== 'operator') throw new Problem(403, 'forbidden', 'Only operators create operator keys');
    const tenantId = body.role === 'operator' ? null : await targetTenant(pool, principal, body.tenantId);
    const created = await createApiKey(pool, tenantId, body.role);
    return reply.status(201).send({ ...created, tenantId, role: body.role });
  });

  app.delete('/v1/admin/keys/:keyId', admins, async (request, reply) => {
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

  app.post('/v1/admin/secrets/rotate', admins, async (request, reply) => {
    const tenantId = await targetTenant(pool, request.principal!, parseBody(TenantOnly, request.body).tenantId);
    try {
      return reply.status(201).send({ tenantId, ...(await rotateWebhookSecret(pool, tenantId)) });
    } catch (error) {
      if (error instanceof RotationError) throw new Problem(409, error.code, 'Rotation in progress', error.message);
      throw error;
    }
  });

  app.post('/v1/admin/secrets/retire-old', admins, async (request) => {
    const tenantId = await targetTenant(pool, request.principal!, parseBody(TenantOnly, request.body).tenantId);
    return { tenantId, retired: await retireOldSecrets(pool, tenantId) };
  });
}
