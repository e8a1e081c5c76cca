import type { Pool } from '@backstop/postgres';
import { generateWebhookSecret } from '@backstop/signing';

/**
 * Points a tenant's refund commands at its endpoint as well as Kafka, with a fresh signing
 * secret; returns the secret, which is shown once.
 */
export async function setRefundWebhook(pool: Pool, tenantId: string, url: string): Promise<{ secret: string }> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('refund webhook must be http(s)');
  const secret = generateWebhookSecret();
  await pool.query(
    `INSERT INTO refund_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, created_at = now()`,
    [tenantId, parsed.toString(), secret],
  );
  return { secret };
}
