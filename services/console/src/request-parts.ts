import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';

/**
 * Parses a request body, or answers 400 with the problem `reason`, naming every offending
 * field by its JSON path. A missing body is read as `{}`; a JSON `null` is a body, and judged.
 */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown, reason = 'invalid-body', title = 'Invalid body'): z.infer<T> {
  const parsed = schema.safeParse(body === undefined ? {} : body);
  if (parsed.success) return parsed.data;
  throw new Problem(400, reason, title, undefined, {
    errors: parsed.error.issues.map((issue) => ({ path: jsonPath(issue.path), message: issue.message })),
  });
}

/** The tenant a tenant-level document belongs to; an operator's key has none and must use an admin's. */
export function ownTenant(tenantId: string | null, what: string): string {
  if (!tenantId) throw new Problem(400, 'tenant-required', `${what} belong to a tenant`, 'Use a tenant admin key.');
  return tenantId;
}

/** Where links and key URLs point: the configured public origin, else the one the request came to. */
export function originOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
