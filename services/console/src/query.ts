import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { jsonPath, Problem } from '@backstop/http';

/** Parses a request's query string, or answers 400 naming every bad parameter. */
export function parseQuery<T extends z.ZodType>(schema: T, request: FastifyRequest): z.infer<T> {
  const parsed = schema.safeParse(request.query);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    path: issue.code === 'unrecognized_keys' ? jsonPath([...issue.path, issue.keys[0] ?? '']) : jsonPath(issue.path),
    message: issue.code === 'unrecognized_keys' ? 'unknown parameter' : issue.message,
  }));
  const named = [...new Set(errors.map((error) => error.path.replace(/^\$\.?/, '') || 'the query'))].join(', ');
  throw new Problem(400, 'invalid-query', 'Invalid query parameters',
    `Fix or leave out ${named}: \`errors\` says what each must be; the route's parameters are in the OpenAPI document at /docs.`, { errors });
}

/** The tenant a request may see: its key's own, or for operators the one asked for (or all). */
export function scopedTenant(request: FastifyRequest, requested: string | undefined): string | undefined {
  const principal = request.principal!;
  if (principal.role === 'operator') return requested;
  if (requested !== undefined && requested !== principal.tenantId) {
    throw new Problem(403, 'forbidden-tenant', 'Not your tenant', 'This key only sees its own tenant.');
  }
  return principal.tenantId ?? undefined;
}
