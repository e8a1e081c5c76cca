import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { Redis } from '@backstop/redis';
import { z } from 'zod';
import { MAX_BATCH_EVENTS } from '@backstop/contracts';
import { Problem } from '@backstop/http';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    takeTokens(...args: (string | number)[]): Result<[number, number], Context>;
  }
}

const takeTokensScript = readFileSync(new URL('./lua/take-tokens-1.lua', import.meta.url), 'utf8');

export const TenantRate = z.strictObject({
  /** Events per second a tenant may send, sustained. */
  eventsPerSecond: z.number().positive(),
  /** Events a tenant may send at once above the sustained rate; at least a full batch. */
  burst: z.int().min(MAX_BATCH_EVENTS),
});
export type TenantRate = z.infer<typeof TenantRate>;

export interface RateLimitOptions extends TenantRate {
  keyPrefix: string;
  /** Tenants with a rate of their own, e.g. a large platform. */
  overrides?: Record<string, TenantRate>;
}

/**
 * A token bucket per tenant in Redis, shared by every ingest instance. A request costs one
 * token per event it carries, so a batch of 500 counts as 500 single posts.
 */
export class TenantRateLimit {
  constructor(
    private readonly redis: Redis,
    private readonly options: RateLimitOptions,
  ) {
    redis.defineCommand('takeTokens', { numberOfKeys: 1, lua: takeTokensScript });
  }

  /** Takes `events` tokens or throws 429 with the seconds until they will be there. */
  async take(tenantId: string, events: number, nowMs = Date.now()): Promise<void> {
    const key = `${this.options.keyPrefix}:ingest:rate:{${tenantId}}`;
    const { eventsPerSecond, burst } = this.options.overrides?.[tenantId] ?? this.options;
    const [taken, waitMs] = await this.redis.takeTokens(key, nowMs, eventsPerSecond, burst, events).catch(() => {
      throw new Problem(503, 'rate-limit-unavailable', 'Rate limiter unavailable', 'Nothing was recorded; retry later.', { retryAfterSeconds: 2 });
    });
    if (taken === 1) return;
    throw new Problem(429, 'rate-limited', 'Too many events', `This tenant may send ${eventsPerSecond} events per second (bursts up to ${burst}).`, {
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
    });
  }
}
