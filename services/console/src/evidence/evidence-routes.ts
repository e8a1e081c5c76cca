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
import type { PdfFont } from './pdf-font';
import { evidencePdfAnswer, sendEvidence } from './send-evidence';
import { originOf } from '../request-parts';

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
const pdfSchema = describeRoute({
  summary: 'A flag\'s evidence file as a PDF',
  description: 'The same document as `evidence.json`, laid out for people: the three flows side by side, the rule and its thresholds in words, '
    + 'the decision and its lifecycle, and the audit entries with how to check them. The signature is the JSON form\'s; the PDF names the key.',
  roles: evidenceReaders,
  params: FlagParams,
  responses: {
    200: evidencePdfAnswer, ...authRejections, 404: problem('`not-found`: no such flag, or another tenant\'s.'),
    503: problem('`pdf-font-missing`: no font with Chinese glyphs is installed (see CONSOLE_PDF_FONT).'),
  },
});
const keySchema = describeRoute({
  summary: 'A tenant\'s public key for evidence files (JWK set)',
  description: 'Public: anyone holding an evidence file checks its signature with this key.',
  params: TenantParams,
  responses: { 200: json('The key set.', KeySet), 404: problem('`not-found`: no key for this tenant (it has issued no evidence file yet).') },
});

export interface EvidenceRouteOptions {
  pool: Pool;
  publicUrl?: string | undefined;
  /** The font with Chinese glyphs PDFs embed; null when none is installed (PDFs then answer 503). */
  font: PdfFont | null;
}

export async function evidenceRoutes(app: FastifyInstance, { pool, publicUrl, font }: EvidenceRouteOptions): Promise<void> {
  const auth = requireRole(pool, evidenceReaders);
  const origin = (request: FastifyRequest) => originOf(request, publicUrl);
  const evidenceOf = async (request: FastifyRequest) => {
    const params = FlagParams.safeParse(request.params);
    const file = params.success ? await buildEvidenceFile(pool, request.principal!.tenantId, params.data.flagId, origin(request), new Date()) : null;
    if (!file) throw new Problem(404, 'not-found', 'No such flag');
    return file;
  };

  app.get('/v1/flags/:flagId/evidence.json', { preHandler: auth, schema: jsonSchema }, async (request, reply) =>
    sendEvidence(reply, await evidenceOf(request), 'json', font));

  app.get('/v1/flags/:flagId/evidence.pdf', { preHandler: auth, schema: pdfSchema }, async (request, reply) =>
    sendEvidence(reply, await evidenceOf(request), 'pdf', font));

  app.get('/.well-known/backstop/evidence-keys/:tenantId', { schema: keySchema }, async (request) => {
    const params = TenantParams.safeParse(request.params);
    const keys = params.success ? await findTenantKeys(pool, params.data.tenantId) : null;
    if (!keys) throw new Problem(404, 'not-found', 'No such key');
    return { keys: [publicJwk(keys.evidencePublicKey, keys.evidenceKeyId)] };
  });
}
