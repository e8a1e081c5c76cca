import type { FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '@backstop/http';
import { authenticateApiKey, type Principal, type Role } from '@backstop/tenancy';
import type { Pool } from '@backstop/postgres';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** The key a request presents; the scheme's name is case-insensitive (RFC 9110 §11.1). */
function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  const bearer = typeof authorization === 'string' ? /^bearer +(\S+) *$/i.exec(authorization) : null;
  if (bearer) return bearer[1];
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header : undefined;
}

const unauthorized = () => new Problem(401, 'unauthorized', 'Missing or invalid API key', 'Send "Authorization: Bearer <api key>".');

/** A preHandler that admits only the given roles; operators are admitted everywhere. */
export function requireRole(pool: Pool, roles: readonly Role[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const key = presentedKey(request);
    const principal = key ? await authenticateApiKey(pool, key) : null;
    if (!principal) {
      // A 401 names the scheme it wants (RFC 9110 §11.6.1).
      void reply.header('www-authenticate', 'Bearer realm="backstop"');
      throw unauthorized();
    }
    if (principal.role !== 'operator' && !roles.includes(principal.role)) {
      throw new Problem(403, 'forbidden', 'Role not allowed', `This needs one of: ${roles.join(', ')}.`);
    }
    request.principal = principal;
  };
}

/**
 * Whether the key that opened a long-lived request still admits it: a live feed opened
 * before its key was revoked would otherwise go on delivering flags to whoever holds it.
 */
export async function stillAdmitted(pool: Pool, request: FastifyRequest): Promise<boolean> {
  const key = presentedKey(request);
  const principal = key ? await authenticateApiKey(pool, key) : null;
  return principal !== null && principal.keyId === request.principal?.keyId && principal.role === request.principal.role;
}
