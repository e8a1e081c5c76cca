import type { FastifyRequest } from 'fastify';
import { Problem } from '@backstop/http';
import { authenticateApiKey, type Principal, type Role } from '@backstop/tenancy';
import type { Pool } from '@backstop/postgres';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && authorization.startsWith('Bearer ')) return authorization.slice(7).trim();
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header : undefined;
}

const unauthorized = () => new Problem(401, 'unauthorized', 'Missing or invalid API key', 'Send "Authorization: Bearer <api key>".');

/** A preHandler that admits only the given roles; operators are admitted everywhere. */
export function requireRole(pool: Pool, roles: readonly Role[]) {
  return async (request: FastifyRequest) => {
    const key = presentedKey(request);
    const principal = key ? await authenticateApiKey(pool, key) : null;
    if (!principal) throw unauthorized();
    if (principal.role !== 'operator' && !roles.includes(principal.role)) {
      throw new Problem(403, 'forbidden', 'Role not allowed', `This needs one of: ${roles.join(', ')}.`);
    }
    request.principal = principal;
  };
}
