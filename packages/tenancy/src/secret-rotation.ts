import type { Pool } from 'pg';
import { generateWebhookSecret } from '@backstop/signing';
import { inTransaction } from '@backstop/postgres';

export class RotationError extends Error {
  readonly code = 'rotation-in-progress';
}

/**
 * Starts a rotation: a second active secret beside the current one. The platform switches
 * to it at its own pace (signatures from either verify), then `retireOldSecrets` ends it.
 * A tenant never has more than two active secrets.
 */
export async function rotateWebhookSecret(pool: Pool, tenantId: string): Promise<{ secretId: string; webhookSecret: string }> {
  return inTransaction(pool, async (client) => {
    // Serialises rotations of one tenant so two concurrent calls cannot both add a secret.
    await client.query('SELECT 1 FROM tenants WHERE tenant_id = $1 FOR UPDATE', [tenantId]);
    const active = await client.query('SELECT 1 FROM webhook_secrets WHERE tenant_id = $1 AND retired_at IS NULL', [tenantId]);
    if ((active.rowCount ?? 0) >= 2) throw new RotationError('two secrets are active already: retire the old one first');
    const webhookSecret = generateWebhookSecret();
    const inserted = await client.query<{ secret_id: string }>(
      'INSERT INTO webhook_secrets (tenant_id, secret_id, secret) VALUES ($1, gen_random_uuid()::text, $2) RETURNING secret_id',
      [tenantId, webhookSecret],
    );
    return { secretId: inserted.rows[0]!.secret_id, webhookSecret };
  });
}

/** Ends a rotation: every active secret but the newest is retired. Returns how many were. */
export async function retireOldSecrets(pool: Pool, tenantId: string): Promise<number> {
  const result = await pool.query(
    `UPDATE webhook_secrets SET retired_at = now()
      WHERE tenant_id = $1 AND retired_at IS NULL
        AND secret_id <> (SELECT secret_id FROM webhook_secrets WHERE tenant_id = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1)`,
    [tenantId],
  );
  return result.rowCount ?? 0;
}
