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

interface TenantSecrets {
  secrets?: string[];
  /** When the query that read `secrets` started. */
  readStartedAt: number;
  /** When the latest query started, whether it answered or not. */
  lastStartedAt: number;
  inFlight?: { startedAt: number; done: Promise<string[]> };
  /** A re-read waiting for its turn, shared by every caller that asks before it starts. */
  queued?: Promise<string[]>;
}

export interface WebhookSecretCacheOptions {
  /** How long secrets read are used without asking again (ms): the longest a retired secret is still accepted. */
  ttlMs?: number;
  /** The least time between two queries for one tenant's secrets when re-reading them (ms). */
  minRereadMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps each tenant's active secrets for a few seconds, so the webhook hot path does not
 * query Postgres per request. A request whose signature fails against them is checked again
 * against secrets read after it arrived (`secretsReadSince`), so a secret is usable the moment
 * its rotation returned it; those re-reads start at most once per `minRereadMs` per tenant and
 * are shared, so a flood of bad signatures costs a query a second, not a query each.
 */
export class WebhookSecretCache {
  private readonly tenants = new Map<string, TenantSecrets>();
  private readonly ttlMs: number;
  private readonly minRereadMs: number;
  private sweepAbove = 1_024;

  constructor(
    private readonly read: (tenantId: string) => Promise<string[]>,
    { ttlMs = 5_000, minRereadMs = 1_000 }: WebhookSecretCacheOptions = {},
  ) {
    this.ttlMs = ttlMs;
    this.minRereadMs = minRereadMs;
  }

  /** The tenant's active secrets, as read at most `ttlMs` ago. */
  async secretsFor(tenantId: string): Promise<string[]> {
    const tenant = this.tenant(tenantId);
    if (tenant.secrets && tenant.readStartedAt + this.ttlMs > Date.now()) return tenant.secrets;
    return tenant.inFlight?.done ?? this.start(tenantId);
  }

  /** The tenant's active secrets as read by a query that started at `sinceMs` or later, waiting for the next allowed query if need be. */
  async secretsReadSince(tenantId: string, sinceMs: number): Promise<string[]> {
    const tenant = this.tenant(tenantId);
    if (tenant.secrets && tenant.readStartedAt >= sinceMs) return tenant.secrets;
    if (tenant.inFlight && tenant.inFlight.startedAt >= sinceMs) return tenant.inFlight.done;
    if (tenant.queued) return tenant.queued;
    const waitMs = tenant.lastStartedAt + this.minRereadMs - Date.now();
    if (waitMs <= 0) return this.start(tenantId);
    tenant.queued = sleep(waitMs).then(() => {
      tenant.queued = undefined;
      return this.start(tenantId);
    });
    return tenant.queued;
  }

  private start(tenantId: string): Promise<string[]> {
    const tenant = this.tenant(tenantId);
    const startedAt = Date.now();
    tenant.lastStartedAt = startedAt;
    const done = this.read(tenantId)
      .then((secrets) => {
        // A slower, older query never replaces what a newer one read.
        if (startedAt >= tenant.readStartedAt) Object.assign(tenant, { secrets, readStartedAt: startedAt });
        return secrets;
      })
      .finally(() => {
        if (tenant.inFlight?.done === done) tenant.inFlight = undefined;
      });
    tenant.inFlight = { startedAt, done };
    return done;
  }

  private tenant(tenantId: string): TenantSecrets {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      if (this.tenants.size >= this.sweepAbove) this.sweep();
      tenant = { readStartedAt: -Infinity, lastStartedAt: -Infinity };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Forgets idle tenants whose secrets expired: requests naming made-up tenants would otherwise grow the map for good. */
  private sweep(): void {
    const now = Date.now();
    for (const [tenantId, tenant] of this.tenants) {
      const idle = !tenant.inFlight && !tenant.queued && tenant.lastStartedAt + Math.max(this.ttlMs, this.minRereadMs) <= now;
      if (idle) this.tenants.delete(tenantId);
    }
    this.sweepAbove = Math.max(1_024, this.tenants.size * 2);
  }
}
