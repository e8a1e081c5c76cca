import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { WebhookEvent } from '@backstop/contracts';
import type { Redis } from '@backstop/redis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    claimDelivery(...args: (string | number | Buffer)[]): Result<[string, string?, string?], Context>;
  }
}

/**
 * Remembers which event ids a tenant delivered, so a webhook retry is answered with the
 * original acceptance instead of reaching Kafka twice.
 *
 * An id is first claimed as pending while its event is being published, then marked accepted.
 * A publish that fails releases the claim, so the platform's retry is accepted normally. A
 * crash between the broker's acknowledgement and the mark leaves a pending claim that is
 * treated as abandoned after a while; the retry is then published again, and every consumer
 * downstream is idempotent on the event id.
 *
 * Compact on purpose: an id is remembered as 8 bytes of its SHA-256 inside a per-tenant hash
 * (one per time slice and shard), not as a key of its own; the shard comes from 4 further
 * bytes, so two ids collide only if 76 bits of their hashes do. Small hashes use Redis's
 * listpack encoding, where an id costs 42–45 bytes instead of a key's ~200
 * (`npm run bench:dedupe-memory`). Whole slices expire, so an id is remembered for between
 * the window and the window plus two slices.
 */
export type PriorDelivery =
  | { state: 'new' }
  | { state: 'accepted'; sameBody: boolean; receivedAt: string }
  | { state: 'in-flight' };

/** Where a claimed id lives, so the same delivery can mark or release it. */
export interface Claim {
  key: string;
  field: Buffer;
  fingerprint: string;
}

/** Slices looked through per claim: the current one and the twelve before it. */
export const DEDUPE_SLICES = 13;
const PENDING_HOLD_MS = 30_000;

const claimScript = readFileSync(new URL(`./lua/claim-delivery-${DEDUPE_SLICES}.lua`, import.meta.url), 'utf8');

/** JSON with every object's keys in order, so equal content always gives equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A fingerprint of a validated event's content: the same event sent again with other
 * whitespace, another key order, or through the other door (webhook or platform topic) is
 * recognised as the same; 64 bits, as it only tells a retry from a reused id.
 */
export function eventFingerprint(event: WebhookEvent): string {
  return createHash('sha256').update(canonicalJson(event)).digest('base64url').slice(0, 11);
}

export interface DeliveryMemoryOptions {
  keyPrefix: string;
  windowSeconds: number;
  /** Hashes per slice and tenant; more shards keep each hash small enough for listpack. */
  shards: number;
}

export class DeliveryMemory {
  private readonly sliceMs: number;
  private readonly sliceTtlSeconds: number;

  constructor(
    private readonly redis: Redis,
    private readonly options: DeliveryMemoryOptions,
  ) {
    this.sliceMs = Math.ceil((options.windowSeconds * 1000) / (DEDUPE_SLICES - 1));
    this.sliceTtlSeconds = options.windowSeconds + Math.ceil((2 * this.sliceMs) / 1000);
    redis.defineCommand('claimDelivery', { numberOfKeys: DEDUPE_SLICES, lua: claimScript });
  }

  private locate(tenantId: string, eventId: string, nowMs: number): { keys: string[]; field: Buffer } {
    const digest = createHash('sha256').update(eventId).digest();
    const shard = digest.readUInt32BE(8) % this.options.shards;
    const slice = Math.floor(nowMs / this.sliceMs);
    const keys: string[] = [];
    for (let back = 0; back < DEDUPE_SLICES; back += 1) {
      keys.push(`${this.options.keyPrefix}:ingest:seen:{${tenantId}:${shard}}:${slice - back}`);
    }
    return { keys, field: digest.subarray(0, 8) };
  }

  /** Claims each id for this delivery, or reports what an earlier delivery of it left; one round trip. */
  async claim(tenantId: string, items: { eventId: string; fingerprint: string }[], nowMs = Date.now()): Promise<{ prior: PriorDelivery; claim: Claim }[]> {
    const located = items.map((item) => ({ ...this.locate(tenantId, item.eventId, nowMs), fingerprint: item.fingerprint }));
    const pipeline = this.redis.pipeline();
    for (const { keys, field, fingerprint } of located) {
      pipeline.claimDelivery(...keys, field, fingerprint, nowMs, nowMs.toString(36), PENDING_HOLD_MS, this.sliceTtlSeconds);
    }
    const replies = (await pipeline.exec()) ?? [];
    return located.map(({ keys, field, fingerprint }, index) => {
      const [error, reply] = replies[index] ?? [new Error('no reply')];
      if (error) throw error;
      const [state, priorFingerprint, ms] = reply as [string, string?, string?];
      const claim = { key: keys[0]!, field, fingerprint };
      if (state === 'new') return { prior: { state: 'new' }, claim };
      if (state === 'in-flight') return { prior: { state: 'in-flight' }, claim };
      return { prior: { state: 'accepted', sameBody: priorFingerprint === fingerprint, receivedAt: new Date(parseInt(ms ?? '0', 36)).toISOString() }, claim };
    });
  }

  async markAccepted(accepted: { claim: Claim; receivedAtMs: number }[]): Promise<void> {
    if (accepted.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { claim, receivedAtMs } of accepted) {
      pipeline.hset(claim.key, claim.field, `a|${claim.fingerprint}|${receivedAtMs.toString(36)}`);
    }
    await pipeline.exec();
  }

  async release(claims: Claim[]): Promise<void> {
    if (claims.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const claim of claims) pipeline.hdel(claim.key, claim.field);
    await pipeline.exec();
  }
}
