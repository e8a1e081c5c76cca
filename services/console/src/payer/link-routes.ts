import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Flag } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { authRejections, bodyRejections, json, noContent, problem } from '../openapi/answers';
import { describeRoute } from '../openapi/describe-route';
import { originOf, parseBody } from '../request-parts';
import { LinkId } from './link-token';
import { issuePayerLink, revokePayerLink } from './payer-links';

const linkIssuers = ['ops', 'admin', 'platform'] as const;
const FlagParams = z.strictObject({ flagId: Flag.shape.flagId });
const LinkParams = z.strictObject({ linkId: LinkId });
const NewLink = z.strictObject({
  expiresInHours: z.int().min(1).max(720).default(168).describe('How long the link opens the page; 7 days unless said.'),
});
export const PayerLink = z.object({
  linkId: z.string().describe('Names the link, to revoke it.'),
  url: z.string().describe('The page for the payer; the URL itself is the only credential, so send it only to them.'),
  expiresAt: z.string(),
});

const issueSchema = describeRoute({
  summary: 'Issue a payer link for a flag',
  description: 'An unguessable, expiring URL to a page that tells the flagged charge\'s payer, in Chinese or English, what happened and what happens next, '
    + 'and lets them say once whether it was a mistake while the refund is under review. Only for flags that led to a refund decision.',
  roles: linkIssuers,
  params: FlagParams,
  body: NewLink,
  bodyMayBeOmitted: true,
  responses: {
    201: json('The link.', PayerLink),
    400: problem('`invalid-body`: `errors` names each bad field.'),
    ...authRejections,
    404: problem('`not-found`: no such flag, or another tenant\'s.'),
    409: problem('`no-decision`: the flag led to no refund decision (notify-only, or a shadow rule\'s).'),
    ...bodyRejections,
  },
});
const revokeSchema = describeRoute({
  summary: 'Revoke a payer link',
  description: 'From now on the link opens the same "link not valid" page as an expired or forged one.',
  roles: linkIssuers,
  params: LinkParams,
  responses: { 204: noContent('Revoked (revoking twice is harmless).'), ...authRejections, 404: problem('`not-found`: no such link, or another tenant\'s.') },
});

export async function payerLinkRoutes(app: FastifyInstance, { pool, publicUrl }: { pool: Pool; publicUrl?: string | undefined }): Promise<void> {
  const auth = requireRole(pool, linkIssuers);

  app.post('/v1/flags/:flagId/payer-links', { preHandler: auth, schema: issueSchema }, async (request, reply) => {
    const params = FlagParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such flag');
    const { expiresInHours } = parseBody(NewLink, request.body);
    const principal = request.principal!;
    const tenantId = principal.tenantId
      ?? (await pool.query<{ tenant_id: string }>('SELECT tenant_id FROM flags WHERE flag_id = $1 LIMIT 1', [params.data.flagId])).rows[0]?.tenant_id;
    if (!tenantId) throw new Problem(404, 'not-found', 'No such flag');
    const link = await issuePayerLink(pool, tenantId, params.data.flagId, `key:${principal.keyId}`, expiresInHours, new Date());
    const origin = originOf(request, publicUrl);
    return reply.status(201).send({ linkId: link.linkId, url: new URL(`/p/${link.token}`, origin).toString(), expiresAt: link.expiresAt.toISOString() });
  });

  app.delete('/v1/payer-links/:linkId', { preHandler: auth, schema: revokeSchema }, async (request, reply) => {
    const params = LinkParams.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such link');
    if (!(await revokePayerLink(pool, request.principal!.tenantId, params.data.linkId, new Date()))) throw new Problem(404, 'not-found', 'No such link');
    return reply.status(204).send();
  });
}
