import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export async function addWebhookSecret(pool: Pool, tenantId: string, secret: string): Promise<string> {
  const secretId = randomUUID();
  await pool.query('INSERT INTO webhook_secrets (tenant_id, secret_id, secret) VALUES ($1, $2, $3)', [tenantId, secretId, secret]);
  return secretId;
}

/** The tenant's active secrets, newest first (at most two during a rotation). */
export async function activeWebhookSecrets(pool: Pool, tenantId: string): Promise<string[]> {
  const result = await pool.query<{ secret: string }>(
    'SELECT secret FROM webhook_secrets WHERE tenant_id = $1 AND retired_at IS NULL ORDER BY created_at DESC LIMIT 2',
    [tenantId],
  );
  return result.rows.map((row) => row.secret);
}

/**
 * Keeps each tenant's active secrets for a few seconds, so the webhook hot path does not
 * query Postgres per request, while a rotation still takes effect quickly.
 */
export class WebhookSecretCache {
  private readonly entries = new Map<string, { secrets: string[]; expiresAt: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs = 5_000,
  ) {}

  async secretsFor(tenantId: string): Promise<string[]> {
    const now = Date.now();
    const cached = this.entries.get(tenantId);
    if (cached && cached.expiresAt > now) return cached.secrets;
    const secrets = await activeWebhookSecrets(this.pool, tenantId);
    this.entries.set(tenantId, { secrets, expiresAt: now + this.ttlMs });
    return secrets;
  }
}
