import type { Pool } from 'pg';
import { TenantId } from '@backstop/contracts';
import { generateWebhookSecret } from '@backstop/signing';
import { addWebhookSecret } from './webhook-secrets';

export interface NewTenant {
  tenantId: string;
  name: string;
  timeZone?: string;
}

/** Creates a tenant with its first webhook secret; returns the secret, which is shown once. */
export async function createTenant(pool: Pool, tenant: NewTenant): Promise<{ tenantId: string; webhookSecret: string }> {
  const tenantId = TenantId.parse(tenant.tenantId);
  await pool.query('INSERT INTO tenants (tenant_id, name, time_zone) VALUES ($1, $2, $3)', [
    tenantId,
    tenant.name,
    tenant.timeZone ?? 'Asia/Shanghai',
  ]);
  const webhookSecret = generateWebhookSecret();
  await addWebhookSecret(pool, tenantId, webhookSecret);
  return { tenantId, webhookSecret };
}

export async function tenantExists(pool: Pool, tenantId: string): Promise<boolean> {
  const result = await pool.query('SELECT 1 FROM tenants WHERE tenant_id = $1', [tenantId]);
  return (result.rowCount ?? 0) > 0;
}
