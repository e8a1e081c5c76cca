import type { Pool } from '@backstop/postgres';
import { activeWebhookSecrets, createApiKey, createTenant, tenantExists, type Role } from '@backstop/tenancy';

export const DEMO_TENANT = 'demo';

export interface DemoCredentials {
  tenantId: string;
  webhookSecret: string;
  apiKeys: Record<Exclude<Role, 'operator'>, string>;
}

/**
 * Creates the demo tenant on first start. API keys are stored hashed and cannot be shown
 * again, so each start revokes the demo's previous keys and issues fresh ones to print.
 */
export async function seedDemoTenant(pool: Pool): Promise<DemoCredentials> {
  let webhookSecret: string | undefined;
  if (!(await tenantExists(pool, DEMO_TENANT))) {
    webhookSecret = (await createTenant(pool, { tenantId: DEMO_TENANT, name: 'Demo card platform', timeZone: 'Asia/Shanghai' })).webhookSecret;
  }
  webhookSecret ??= (await activeWebhookSecrets(pool, DEMO_TENANT))[0];
  if (!webhookSecret) throw new Error('the demo tenant has no active webhook secret');
  await pool.query('UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL', [DEMO_TENANT]);
  const apiKeys = {
    ops: (await createApiKey(pool, DEMO_TENANT, 'ops')).apiKey,
    finance: (await createApiKey(pool, DEMO_TENANT, 'finance')).apiKey,
    admin: (await createApiKey(pool, DEMO_TENANT, 'admin')).apiKey,
    platform: (await createApiKey(pool, DEMO_TENANT, 'platform')).apiKey,
  };
  return { tenantId: DEMO_TENANT, webhookSecret, apiKeys };
}
