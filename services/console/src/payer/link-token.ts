import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { Flag, TenantId } from '@backstop/contracts';

/**
 * A payer link's token: `pl1.<claims>.<mac>`, the claims a base64url JSON array
 * [tenantId, flagId, linkId, expiresAt in Unix seconds] and the mac an HMAC-SHA256 over
 * `pl1.<claims>` with the tenant's link secret. The token alone lets its holder read one
 * flag's payer page until it expires or is revoked; it is never an API key.
 */
export interface LinkClaims {
  tenantId: string;
  flagId: string;
  linkId: string;
  /** Unix seconds. */
  expiresAt: number;
}

const VERSION = 'pl1';
export const LinkId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
const Claims = z.tuple([TenantId, Flag.shape.flagId, LinkId, z.int().positive()]);
/** Bounds the work done on a hostile string before any signature check. */
const SHAPE = /^pl1\.([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/;

function mac(signed: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(signed).digest();
}

export function signLinkToken(claims: LinkClaims, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify([claims.tenantId, claims.flagId, claims.linkId, claims.expiresAt])).toString('base64url');
  const signed = `${VERSION}.${payload}`;
  return `${signed}.${mac(signed, secret).toString('base64url')}`;
}

/**
 * The claims a token makes, not yet trusted: the tenant they name says whose secret to check
 * the mac with. Null for anything that is not shaped like a token.
 */
export function readLinkClaims(token: string): LinkClaims | null {
  const match = SHAPE.exec(token);
  if (!match) return null;
  const payload = match[1]!;
  const bytes = Buffer.from(payload, 'base64url');
  // Only the canonical spelling: base64url decoding skips stray characters and trailing bits.
  if (bytes.toString('base64url') !== payload) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  const claims = Claims.safeParse(parsed);
  if (!claims.success) return null;
  const [tenantId, flagId, linkId, expiresAt] = claims.data;
  return { tenantId, flagId, linkId, expiresAt };
}

/** The token's claims if its mac is right under `secret` and it has not expired at `now`. */
export function verifyLinkToken(token: string, secret: Buffer, now: Date): LinkClaims | null {
  const claims = readLinkClaims(token);
  if (!claims) return null;
  const cut = token.lastIndexOf('.');
  // Compared as text: decoding would ignore the last character's spare bits, so four
  // spellings of one mac would pass, and a changed token must never verify.
  const presented = Buffer.from(token.slice(cut + 1));
  const expected = Buffer.from(mac(token.slice(0, cut), secret).toString('base64url'));
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
  if (claims.expiresAt * 1000 <= now.getTime()) return null;
  return claims;
}
