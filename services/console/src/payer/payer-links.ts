import { randomBytes } from 'node:crypto';
import { Problem } from '@backstop/http';
import type { Pool } from '@backstop/postgres';
import { findTenantKeys, tenantKeys } from '../signing/tenant-keys';
import { readLinkClaims, signLinkToken, verifyLinkToken, type LinkClaims } from './link-token';

export interface IssuedLink {
  linkId: string;
  token: string;
  expiresAt: Date;
}

/**
 * Issues a payer link for a flag that led to a decision a payer can follow: not a flag
 * without one (notify-only), nor a shadow rule's record of what it would have done.
 */
export async function issuePayerLink(pool: Pool, tenantId: string, flagId: string, issuedBy: string, ttlHours: number, now: Date): Promise<IssuedLink> {
  const found = await pool.query<{ status: string | null }>(
    `SELECT d.status FROM flags f LEFT JOIN refund_decisions d ON d.tenant_id = f.tenant_id AND d.payment_id = f.payment_id
      WHERE f.tenant_id = $1 AND f.flag_id = $2`,
    [tenantId, flagId],
  );
  const flag = found.rows[0];
  if (!flag) throw new Problem(404, 'not-found', 'No such flag');
  if (flag.status === null || flag.status === 'shadowed') {
    throw new Problem(409, 'no-decision', 'The flag led to no decision', 'Payer links exist for flags with a refund decision to follow.');
  }
  const keys = await tenantKeys(pool, tenantId);
  const linkId = randomBytes(16).toString('base64url');
  const expiresAt = new Date(Math.floor(now.getTime() / 1000 + ttlHours * 3600) * 1000);
  await pool.query(
    'INSERT INTO payer_links (link_id, tenant_id, flag_id, issued_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [linkId, tenantId, flagId, issuedBy, now, expiresAt],
  );
  const token = signLinkToken({ tenantId, flagId, linkId, expiresAt: expiresAt.getTime() / 1000 }, keys.linkSecret);
  return { linkId, token, expiresAt };
}

/** Revokes a link of the tenant (any tenant's for null); false when there is no such link. */
export async function revokePayerLink(pool: Pool, tenantId: string | null, linkId: string, now: Date): Promise<boolean> {
  const result = await pool.query(
    'UPDATE payer_links SET revoked_at = coalesce(revoked_at, $3) WHERE link_id = $1 AND ($2::text IS NULL OR tenant_id = $2)',
    [linkId, tenantId, now],
  );
  return (result.rowCount ?? 0) > 0;
}

/**
 * The link a token opens, or null when it opens none: malformed, signed with another key,
 * tampered with, expired, revoked, or naming a flag the link was not issued for. Callers
 * answer every null alike, so a token's holder learns nothing about why.
 */
export async function resolvePayerLink(pool: Pool, token: string, now: Date): Promise<LinkClaims | null> {
  const claimed = readLinkClaims(token);
  if (!claimed) return null;
  const keys = await findTenantKeys(pool, claimed.tenantId);
  if (!keys) return null;
  const claims = verifyLinkToken(token, keys.linkSecret, now);
  if (!claims) return null;
  const live = await pool.query(
    'SELECT 1 FROM payer_links WHERE link_id = $1 AND tenant_id = $2 AND flag_id = $3 AND revoked_at IS NULL AND expires_at > $4',
    [claims.linkId, claims.tenantId, claims.flagId, now],
  );
  return live.rowCount ? claims : null;
}
