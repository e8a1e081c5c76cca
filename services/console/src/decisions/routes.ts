import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { reviewDecision, type ReviewAction } from './review';

const Params = z.strictObject({
  decisionId: z.uuid(),
  action: z.enum(['approve', 'reject', 'false-positive']),
});
const Body = z.strictObject({ reason: z.string().max(500).default('') }).default({ reason: '' });

export async function decisionRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.post('/v1/decisions/:decisionId/:action', { preHandler: requireRole(pool, ['ops', 'admin']) }, async (request) => {
    const params = Params.safeParse(request.params);
    if (!params.success) throw new Problem(404, 'not-found', 'No such decision or action');
    const body = Body.safeParse(request.body ?? undefined);
    if (!body.success) {
      throw new Problem(400, 'invalid-body', 'Invalid body', undefined, {
        errors: body.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
      });
    }
    const action: ReviewAction = params.data.action;
    if (action !== 'approve' && body.data.reason.trim() === '') {
      throw new Problem(400, 'reason-required', 'A reason is required', 'Say why the refund is rejected.', {
        errors: [{ path: '$.reason', message: 'required for reject and false-positive' }],
      });
    }
    const principal = request.principal!;
    const outcome = await reviewDecision(
      pool,
      principal.role === 'operator' ? null : principal.tenantId,
      params.data.decisionId,
      action,
      `${principal.role}:${principal.keyId}`,
      body.data.reason,
    );
    if (outcome.result === 'not-found') throw new Problem(404, 'not-found', 'No such decision');
    if (outcome.result === 'not-pending') {
      throw new Problem(409, 'decision-not-pending', 'Decision is not waiting for review', `It is ${outcome.status}.`);
    }
    return { decisionId: params.data.decisionId, status: outcome.status };
  });
}
