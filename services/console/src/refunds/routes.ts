import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { requireRole } from '../auth/authenticate';
import { decodeCursor, encodeCursor, listDecisions } from './list-decisions';

const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
});

export async function refundRoutes(app: FastifyInstance, { pool }: { pool: Pool }): Promise<void> {
  app.get('/v1/refunds', { preHandler: requireRole(pool, ['finance', 'admin']) }, async (request) => {
    const query = ListQuery.safeParse(request.query);
    if (!query.success) {
      throw new Problem(400, 'invalid-query', 'Invalid query parameters', undefined, {
        errors: query.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
      });
    }
    const after = query.data.cursor ? decodeCursor(query.data.cursor) : null;
    if (query.data.cursor && !after) throw new Problem(400, 'invalid-cursor', 'Invalid cursor');
    const principal = request.principal!;
    const decisions = await listDecisions(pool, principal.role === 'operator' ? null : principal.tenantId, {
      limit: query.data.limit,
      after,
    });
    const last = decisions.at(-1);
    return { data: decisions, nextCursor: decisions.length === query.data.limit && last ? encodeCursor(last) : null };
  });
}
