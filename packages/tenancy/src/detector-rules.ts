import type { Pool } from 'pg';
import { RulesConfig } from '@backstop/contracts';

/**
 * A tenant's detector settings as stored (only what differs from the defaults) and as the
 * detector applies them. The detector rereads them within half a minute: no restart.
 */
export async function loadDetectorRules(pool: Pool, tenantId: string): Promise<{ stored: unknown; effective: RulesConfig; updatedAt: string | null }> {
  const result = await pool.query<{ config: unknown; updated_at: Date }>('SELECT config, updated_at FROM detector_rules WHERE tenant_id = $1', [tenantId]);
  const row = result.rows[0];
  const stored = row?.config ?? {};
  const parsed = RulesConfig.safeParse(stored);
  return { stored, effective: parsed.success ? parsed.data : RulesConfig.parse({}), updatedAt: row?.updated_at.toISOString() ?? null };
}

/** Validates (throws a ZodError) and stores a tenant's detector settings. */
export async function saveDetectorRules(pool: Pool, tenantId: string, document: unknown): Promise<RulesConfig> {
  const effective = RulesConfig.parse(document);
  await pool.query(
    `INSERT INTO detector_rules (tenant_id, config, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, updated_at = now()`,
    [tenantId, JSON.stringify(document)],
  );
  return effective;
}
