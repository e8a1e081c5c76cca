import { createHash } from 'node:crypto';
import type { Redis } from '@backstop/redis';

/**
 * Remembers which event ids a tenant delivered, so a webhook retry is answered with the
 * original acceptance instead of reaching Kafka twice.
 *
 * An id is first claimed as pending (short TTL) while its event is being published, then
 * marked accepted for the dedupe window. A publish that fails releases the claim, so the
 * platform's retry is accepted normally. A crash between the broker's acknowledgement and the
 * mark lets the claim expire; the retry is then published again, and every consumer
 * downstream is idempotent on the event id.
 */
export type PriorDelivery =
  | { state: 'new' }
  | { state: 'accepted'; sameBody: boolean; receivedAt: string }
  | { state: 'in-flight' };

const PENDING_TTL_MS = 30_000;

export function bodyFingerprint(rawBody: Buffer): string {
  return createHash('sha256').update(rawBody).digest('base64url').slice(0, 22);
}

export class DeliveryMemory {
  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
    private readonly windowSeconds: number,
  ) {}

  private key(tenantId: string, eventId: string): string {
    return `${this.keyPrefix}:ingest:{${tenantId}}:evt:${eventId}`;
  }

  /** Claims the id for this delivery, or reports what an earlier delivery of it left. */
  async claim(tenantId: string, eventId: string, fingerprint: string): Promise<PriorDelivery> {
    const key = this.key(tenantId, eventId);
    const claimed = await this.redis.set(key, `p|${fingerprint}`, 'PX', PENDING_TTL_MS, 'NX');
    if (claimed === 'OK') return { state: 'new' };
    const prior = await this.redis.get(key);
    if (prior === null) return this.claim(tenantId, eventId, fingerprint);
    const [state, priorFingerprint, receivedAt] = prior.split('|');
    if (state === 'p') return { state: 'in-flight' };
    return { state: 'accepted', sameBody: priorFingerprint === fingerprint, receivedAt: receivedAt ?? '' };
  }

  async markAccepted(tenantId: string, eventId: string, fingerprint: string, receivedAt: string): Promise<void> {
    await this.redis.set(this.key(tenantId, eventId), `a|${fingerprint}|${receivedAt}`, 'EX', this.windowSeconds);
  }

  async release(tenantId: string, eventId: string): Promise<void> {
    await this.redis.del(this.key(tenantId, eventId));
  }
}
