import type { Pool } from '@backstop/postgres';
import { generateWebhookSecret } from '@backstop/signing';

/**
 * How long a replaced signing secret still signs beside the new one: the receiver switches
 * over at its own pace, and a command retried meanwhile verifies with either.
 */
export const SECRET_OVERLAP = '24 hours';

/** An endpoint's secrets as its row holds them, read with `previous_secret_until > now() AS previous_signs`. */
export interface EndpointSecrets {
  secret: string;
  previous_secret: string | null;
  previous_signs: boolean | null;
}

/** The secrets an endpoint's deliveries are signed with now: its own, and the replaced one while it overlaps. */
export function signingSecrets(row: EndpointSecrets): string[] {
  return row.previous_signs && row.previous_secret ? [row.secret, row.previous_secret] : [row.secret];
}

/**
 * Points a tenant's refund commands at its endpoint as well as Kafka, with a fresh signing
 * secret; returns the secret, which is shown once. The one it replaces goes on signing
 * beside it for a day.
 */
export async function setRefundWebhook(pool: Pool, tenantId: string, url: string): Promise<{ secret: string }> {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error('refund webhook must be http(s)');
  const secret = generateWebhookSecret();
  await pool.query(
    `INSERT INTO refund_webhooks (tenant_id, url, secret) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id) DO UPDATE SET url = excluded.url, secret = excluded.secret, created_at = now(),
       previous_secret = refund_webhooks.secret, previous_secret_until = now() + $4::interval`,
    [tenantId, parsed.toString(), secret, SECRET_OVERLAP],
  );
  return { secret };
}
