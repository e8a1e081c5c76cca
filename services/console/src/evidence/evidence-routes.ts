import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Flag, TenantId } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { authRejections, json, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { findTenantKeys } from '../signing/tenant-keys';
import { buildEvidenceFile } from './build-evidence';
import { EvidenceFile } from './evidence-file';
import { publicJwk } from './evidence-signature';

const evidenceReaders = ['ops', 'admin', 'finance', 'platform'] as const;
const FlagParams = z.strictObject({ flagId: Flag.shape.flagId });
const TenantParams = z.strictObject({ tenantId: TenantId });
const KeySet = z.object({ keys: z.array(z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), use: z.string(), alg: z.string() })) });

const jsonSchema = describeRoute({
  summary: 'A flag\'s evidence file, signed',
  description: 'The flag\'s three flows, the rule and its thresholds, the decision and its lifecycle, and the audit entries that record it, '
    + 'with a detached Ed25519 signature over each section\'s digest by the tenant\'s key (published at `/.well-known/backstop/evidence-keys/{tenantId}`). '
    + 'Account numbers are masked. Check it offline with `npm run cli -- evidence verify FILE`.',
  roles: evidenceReaders,
  params: FlagParams,
  responses: { 200: json('The evidence file.', EvidenceFile), ...authRejections, 404: problem('`not-found`: no such flag, or another tenant\'s.') },
});
const keySchema = describeRoute({
  summary: 'A tenant\'s public key for evidence files (JWK set)',
  description: 'Public: anyone holding an evidence file checks its signature with this key.',
  params: TenantParams,
  responses: { 200: json('The key set.', KeySet), 404: problem('`not-found`: no key for this tenant (it has issued no evidence file yet).') },
});

export async function evidenceRoutes(app: FastifyInstance, { pool, publicUrl }: { pool: Pool; publicUrl?: string | undefined }): Promise<void> {
  const auth = requireRole(pool, evidenceReaders);
  const origin = (request: FastifyRequest) => publicUrl ?? `${request.protocol}://${request.host}`;

  app.get('/v1/flags/:flagId/evidence.json', { preHandler: auth, schema: jsonSchema }, async (request, reply) => {
    const params = FlagParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such flag');
    const file = await buildEvidenceFile(pool, request.principal!.tenantId, params.data.flagId, origin(request), new Date());
    if (!file) throw new Problem(404, 'not-found', 'No such flag');
    return reply.header('content-disposition', `attachment; filename="evidence-${params.data.flagId}.json"`).send(file);
  });

  app.get('/.well-known/backstop/evidence-keys/:tenantId', { schema: keySchema }, async (request) => {
    const params = TenantParams.safeParse(request.params);
    const keys = params.success ? await findTenantKeys(pool, params.data.tenantId) : null;
    if (!keys) throw new Problem(404, 'not-found', 'No such key');
    return { keys: [publicJwk(keys.evidencePublicKey, keys.evidenceKeyId)] };
  });
}
