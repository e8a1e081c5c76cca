import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';

/** `platform`: the platform's backend, which fetches payer links for its users and nothing else. */
export const Role = z.enum(['ops', 'finance', 'admin', 'operator', 'platform']);
export type Role = z.infer<typeof Role>;

export interface Principal {
  keyId: string;
  tenantId: string | null;
  role: Role;
}

const KEY_PATTERN = /^bsk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** Issues a key `bsk_<key id>_<secret>`; only the secret's hash is stored, so it is shown once. */
export async function createApiKey(pool: Pool, tenantId: string | null, role: Role): Promise<{ keyId: string; apiKey: string }> {
  const keyId = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  await pool.query('INSERT INTO api_keys (key_id, tenant_id, role, key_hash) VALUES ($1, $2, $3, $4)', [
    keyId,
    role === 'operator' ? null : tenantId,
    role,
    hashSecret(secret),
  ]);
  return { keyId, apiKey: `bsk_${keyId}_${secret}` };
}

export async function revokeApiKey(pool: Pool, keyId: string): Promise<boolean> {
  const result = await pool.query('UPDATE api_keys SET revoked_at = now() WHERE key_id = $1 AND revoked_at IS NULL', [keyId]);
  return (result.rowCount ?? 0) > 0;
}

/** The key's owner, or null for a malformed, unknown, revoked or wrong key (callers answer 401 alike). */
export async function authenticateApiKey(pool: Pool, presented: string): Promise<Principal | null> {
  const match = KEY_PATTERN.exec(presented);
  if (!match) return null;
  const [, keyId, secret] = match as unknown as [string, string, string];
  const result = await pool.query<{ tenant_id: string | null; role: Role; key_hash: Buffer }>(
    'SELECT tenant_id, role, key_hash FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL',
    [keyId],
  );
  const row = result.rows[0];
  if (!row) return null;
  // Both sides are SHA-256 digests, so the comparison takes the same time whatever the key;
  // the length check only keeps a damaged row from throwing instead of refusing.
  const presentedHash = hashSecret(secret);
  if (row.key_hash.length !== presentedHash.length || !timingSafeEqual(row.key_hash, presentedHash)) return null;
  return { keyId, tenantId: row.tenant_id, role: row.role };
}
