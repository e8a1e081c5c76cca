import type { Redis } from '@backstop/redis';
import { z } from 'zod';
import { MAX_BATCH_EVENTS } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import { DeliveryGate, type Bucket } from './delivery-gate';

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

/** The 429 for a request its bucket could not pay for, with the seconds until it could. */
export function rateLimited(bucket: Bucket, waitMs: number): Problem {
  return new Problem(429, 'rate-limited', 'Too many events', `This tenant may send ${bucket.eventsPerSecond} events per second (bursts up to ${bucket.burst}).`, {
    retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
  });
}

/**
 * A token bucket per tenant in Redis, shared by every ingest instance. A request costs one
 * token per event it carries, so a batch of 500 counts as 500 single posts. A request with
 * events to accept pays in the same script call that claims them (DeliveryMemory.admit);
 * `take` is for a request that carries none that could be accepted.
 */
export class TenantRateLimit {
  private readonly gate: DeliveryGate;

  constructor(
    redis: Redis,
    private readonly options: RateLimitOptions,
  ) {
    this.gate = DeliveryGate.of(redis);
  }

  /** The tenant's bucket, and what a request of `events` costs from it. */
  bucket(tenantId: string, events: number): Bucket {
    const { eventsPerSecond, burst } = this.options.overrides?.[tenantId] ?? this.options;
    return { key: `${this.options.keyPrefix}:ingest:rate:{${tenantId}}`, eventsPerSecond, burst, cost: events };
  }

  /** Takes `events` tokens or throws 429 with the seconds until they will be there. */
  async take(tenantId: string, events: number, nowMs = Date.now()): Promise<void> {
    const bucket = this.bucket(tenantId, events);
    const reply = await this.gate.admit(bucket, [], { nowMs, holdMs: 0, sliceTtlSeconds: 0 }).catch(() => {
      throw new Problem(503, 'rate-limit-unavailable', 'Rate limiter unavailable', 'Nothing was recorded; retry later.', { retryAfterSeconds: 2 });
    });
    if (!reply.taken) throw rateLimited(bucket, reply.waitMs);
  }
}
