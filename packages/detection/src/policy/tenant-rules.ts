import type { Logger } from '@backstop/logging';
import type { Pool } from '@backstop/postgres';
import { defaultRulesConfig, RulesConfig } from '@backstop/contracts';

/** Where the detector gets each tenant's rule settings. */
export interface RulesConfigSource {
  forTenants(tenantIds: readonly string[]): Promise<Map<string, RulesConfig>>;
}

/** The same settings for every tenant: the defaults, or what a benchmark or test fixes. */
export function fixedRulesConfig(config: RulesConfig = defaultRulesConfig): RulesConfigSource {
  return { forTenants: async (tenantIds) => new Map(tenantIds.map((id) => [id, config])) };
}

/**
 * Settings from the `detector_rules` table, cached in process for a short while so a change
 * takes effect within `ttlMs` without a query per batch. A row that does not parse is
 * logged and the defaults apply; when the database is unreachable, the last settings read
 * are kept, however old.
 */
export class DatabaseRulesConfig implements RulesConfigSource {
  private readonly cache = new Map<string, { config: RulesConfig; readAt: number }>();

  constructor(
    private readonly pool: Pool,
    private readonly logger: Logger,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async forTenants(tenantIds: readonly string[]): Promise<Map<string, RulesConfig>> {
    const now = this.clock();
    const stale = [...new Set(tenantIds)].filter((id) => {
      const cached = this.cache.get(id);
      return !cached || now - cached.readAt > this.ttlMs;
    });
    if (stale.length > 0) await this.load(stale, now);
    return new Map(tenantIds.map((id) => [id, this.cache.get(id)?.config ?? defaultRulesConfig]));
  }

  private async load(tenantIds: string[], now: number): Promise<void> {
    let rows: { tenant_id: string; config: unknown }[];
    try {
      rows = (await this.pool.query('SELECT tenant_id, config FROM detector_rules WHERE tenant_id = ANY($1)', [tenantIds])).rows;
    } catch (error) {
      if (tenantIds.every((id) => this.cache.has(id))) {
        this.logger.warn({ err: error }, 'rule settings unreadable; keeping the cached ones');
        return;
      }
      throw error;
    }
    const found = new Map(rows.map((row) => [row.tenant_id, row.config]));
    for (const tenantId of tenantIds) {
      const parsed = RulesConfig.safeParse(found.get(tenantId) ?? {});
      if (!parsed.success) this.logger.error({ tenantId, issues: parsed.error.issues.slice(0, 5) }, 'invalid rule settings ignored; defaults apply');
      this.cache.set(tenantId, { config: parsed.success ? parsed.data : defaultRulesConfig, readAt: now });
    }
  }
}
