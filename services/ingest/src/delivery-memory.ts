import { createHash } from 'node:crypto';
import type { WebhookEvent } from '@backstop/contracts';
import type { Redis } from '@backstop/redis';
import { DEDUPE_SLICES, DeliveryGate, type Bucket } from './delivery-gate';

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
  /** Another delivery holds the id; `retryAfterMs`: when a retry can expect an answer. */
  | { state: 'in-flight'; retryAfterMs: number };

/** Where a claimed id lives, so the same delivery can mark or release it. */
export interface Claim {
  key: string;
  field: Buffer;
  fingerprint: string;
}

export { DEDUPE_SLICES };
const PENDING_HOLD_MS = 30_000;
/**
 * How long an accepted id's mark may wait for another request's admission to carry it. Short
 * beside a platform's retry delays, so another ingest process still finds the id marked.
 */
const MARK_WAIT_MS = 20;

const acceptedEntry = (claim: Claim, receivedAtMs: number) => `a|${claim.fingerprint}|${receivedAtMs.toString(36)}`;

/**
 * When to tell a retry of an id in flight to come back. A young claim is a delivery being
 * published right now: a second later it is answered. One older than any publish takes was
 * left by a delivery that died (or lost Redis) before marking or releasing it, and holds
 * until it counts as abandoned: the retry is told to wait that long instead of spending its
 * attempts on answers that cannot change.
 */
export function inFlightRetryMs(claimAgeMs: number): number {
  return claimAgeMs < 5_000 ? 1_000 : Math.max(1_000, PENDING_HOLD_MS - claimAgeMs);
}

/** What a request's admission found: its bucket could not pay, or each id's claim. */
export type Admission =
  | { taken: false; waitMs: number }
  | { taken: true; claims: { prior: PriorDelivery; claim: Claim }[] };

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
  private readonly gate: DeliveryGate;

  constructor(
    redis: Redis,
    private readonly options: DeliveryMemoryOptions,
  ) {
    this.sliceMs = Math.ceil((options.windowSeconds * 1000) / (DEDUPE_SLICES - 1));
    this.sliceTtlSeconds = options.windowSeconds + Math.ceil((2 * this.sliceMs) / 1000);
    this.gate = DeliveryGate.of(redis);
  }

  /** The current slice of the id's shard ("<shard key>:<slice number>") and the id's hash. */
  private locate(tenantId: string, eventId: string, nowMs: number): { key: string; field: Buffer } {
    const digest = createHash('sha256').update(eventId).digest();
    const shard = digest.readUInt32BE(8) % this.options.shards;
    const slice = Math.floor(nowMs / this.sliceMs);
    // Tagged by tenant alone, like its rate bucket: a request's bucket and claims share one
    // slot, so its admission is one script call on Redis Cluster too.
    return { key: `${this.options.keyPrefix}:ingest:seen:{${tenantId}}:${shard}:${slice}`, field: digest.subarray(0, 8) };
  }

  /**
   * Takes the request's cost from its tenant's bucket (when given one) and, if the bucket
   * held it, claims each id for this delivery or reports what an earlier delivery of it left:
   * one script call, shared with the requests beside it.
   */
  async admit(tenantId: string, items: { eventId: string; fingerprint: string }[], nowMs: number, bucket?: Bucket): Promise<Admission> {
    const located = items.map((item) => ({ ...this.locate(tenantId, item.eventId, nowMs), fingerprint: item.fingerprint }));
    const reply = await this.gate.admit(
      bucket,
      located.map(({ key, field, fingerprint }) => ({ slice: key, field, fingerprint })),
      { nowMs, holdMs: PENDING_HOLD_MS, sliceTtlSeconds: this.sliceTtlSeconds },
    );
    if (!reply.taken) return reply;
    return {
      taken: true,
      claims: located.map(({ key, field, fingerprint }, index) => {
        const found = reply.claims[index]!;
        const claim = { key, field, fingerprint };
        if (found.state === 'new') return { prior: { state: 'new' }, claim };
        if (found.state === 'in-flight') return { prior: { state: 'in-flight', retryAfterMs: inFlightRetryMs(nowMs - found.atMs) }, claim };
        return { prior: { state: 'accepted', sameBody: found.fingerprint === fingerprint, receivedAt: new Date(found.atMs).toISOString() }, claim };
      }),
    };
  }

  /** Claims each id for this delivery, or reports what an earlier delivery of it left. */
  async claim(tenantId: string, items: { eventId: string; fingerprint: string }[], nowMs = Date.now()): Promise<{ prior: PriorDelivery; claim: Claim }[]> {
    const admission = await this.admit(tenantId, items, nowMs);
    return admission.taken ? admission.claims : [];
  }

  /**
   * Marks the ids accepted. With `{ soon: true }` the marks wait up to `MARK_WAIT_MS` for the
   * next admission of this process to carry them, and the caller need not wait: its events
   * are durable in Kafka, and a retry through this process is claimed only after the mark. A
   * crash before the mark leaves the claims pending, as a crash right after the
   * acknowledgement always could.
   */
  async markAccepted(accepted: { claim: Claim; receivedAtMs: number }[], { soon = false } = {}): Promise<void> {
    await Promise.all(accepted.map(({ claim, receivedAtMs }) => this.gate.mark(claim.key, claim.field, acceptedEntry(claim, receivedAtMs), soon ? MARK_WAIT_MS : undefined)));
  }

  /** Resolves once every mark and release asked for so far is in Redis (or failed): before the client closes. */
  settled(): Promise<void> {
    return this.gate.settled();
  }

  async release(claims: Claim[]): Promise<void> {
    await Promise.all(claims.map((claim) => this.gate.release(claim.key, claim.field)));
  }
}
