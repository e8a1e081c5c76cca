import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type { Pool } from '@backstop/postgres';

/** A tenant's signing keys: the payer-link secret and the Ed25519 pair that signs evidence. */
export interface TenantKeys {
  linkSecret: Buffer;
  evidenceKeyId: string;
  evidencePrivateKey: KeyObject;
  evidencePublicKey: Buffer;
}

interface KeyRow {
  link_secret: Buffer;
  evidence_key_id: string;
  evidence_private_key: Buffer;
  evidence_public_key: Buffer;
}

const toKeys = (row: KeyRow): TenantKeys => ({
  linkSecret: row.link_secret,
  evidenceKeyId: row.evidence_key_id,
  evidencePrivateKey: createPrivateKey({ key: row.evidence_private_key, format: 'der', type: 'pkcs8' }),
  evidencePublicKey: row.evidence_public_key,
});

/** The raw 32 bytes of an Ed25519 public key (its JWK `x`). */
export function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'public' ? key : createPublicKey(key);
  return Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
}

/** Names a public key by its bytes, so a verifier can tell which key a file claims. */
export const keyIdOf = (publicKey: Buffer): string => `ed25519:${createHash('sha256').update(publicKey).digest('hex').slice(0, 16)}`;

/** The tenant's keys if it has any yet, for verifying: reading never makes keys. */
export async function findTenantKeys(pool: Pool, tenantId: string): Promise<TenantKeys | null> {
  const found = await pool.query<KeyRow>(
    'SELECT link_secret, evidence_key_id, evidence_private_key, evidence_public_key FROM tenant_signing_keys WHERE tenant_id = $1',
    [tenantId],
  );
  return found.rows[0] ? toKeys(found.rows[0]) : null;
}

/** The tenant's keys, made on first use; two first uses at once agree on one set. */
export async function tenantKeys(pool: Pool, tenantId: string): Promise<TenantKeys> {
  const existing = await findTenantKeys(pool, tenantId);
  if (existing) return existing;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const raw = rawPublicKey(publicKey);
  await pool.query(
    `INSERT INTO tenant_signing_keys (tenant_id, link_secret, evidence_key_id, evidence_private_key, evidence_public_key)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant_id) DO NOTHING`,
    [tenantId, randomBytes(32), keyIdOf(raw), privateKey.export({ format: 'der', type: 'pkcs8' }), raw],
  );
  return (await findTenantKeys(pool, tenantId))!;
}
