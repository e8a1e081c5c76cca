import { readFileSync } from 'node:fs';
import calculateSlot from 'cluster-key-slot';
import type { Result } from 'ioredis';
import type { Redis } from '@backstop/redis';
import { packArguments, type Packable } from './msgpack';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** KEYS count first, then the keys, then the packed request; see lua/admit-deliveries-n.lua. */
    admitDeliveries(...args: (string | number | Buffer)[]): Result<(number | string)[], Context>;
  }
}

const admitScript = readFileSync(new URL('./lua/admit-deliveries-n.lua', import.meta.url), 'utf8');

/** Slices a claim looks through: the current one and the twelve before it (the script's SLICES). */
export const DEDUPE_SLICES = 13;

/** A tenant's token bucket and what a request costs from it. */
export interface Bucket {
  key: string;
  eventsPerSecond: number;
  burst: number;
  /** Events the request carries. */
  cost: number;
}

/**
 * An event id to claim: its shard's current slice, "<shard key>:<slice number>" (the twelve
 * before it are looked through too, and named to the script beside it), the id's hash and
 * the body's fingerprint.
 */
export interface SliceClaim {
  slice: string;
  field: Buffer;
  fingerprint: string;
}

export type ClaimReply =
  | { state: 'new' }
  | { state: 'accepted' | 'in-flight'; fingerprint: string; atMs: number };

export type AdmissionReply =
  | { taken: true; claims: ClaimReply[] }
  | { taken: false; waitMs: number };

export interface GateTiming {
  nowMs: number;
  /** How long a pending claim holds before it counts as abandoned. */
  holdMs: number;
  sliceTtlSeconds: number;
}

type Operation =
  | { kind: 'mark'; key: string; field: Buffer; entry: string; settle: Settle<void> }
  | { kind: 'release'; key: string; field: Buffer; settle: Settle<void> }
  | { kind: 'admit'; bucket: Bucket | undefined; claims: readonly SliceClaim[]; timing: GateTiming; settle: Settle<AdmissionReply> };

interface Settle<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Gathers the Redis work of concurrent deliveries (rate limits, claims, marks, releases) into
 * one script call per turn of the event loop, the way the event publisher gathers their Kafka
 * sends: a single event costs one script call shared with every request that arrived beside
 * it, instead of a round trip of its own per step. Operations run in the order they were
 * asked for, so a mark always lands before the claim of a retry that follows it.
 */
export class DeliveryGate {
  private static readonly byClient = new WeakMap<Redis, DeliveryGate>();
  private queue: Operation[] = [];
  private scheduled = false;
  /** Set while only marks that may wait are queued: when they go on their own. */
  private waitingMarks: NodeJS.Timeout | undefined;
  private readonly calls = new Set<Promise<void>>();

  /** The gate of this client: the rate limit and the delivery memory share it, and so its calls. */
  static of(redis: Redis): DeliveryGate {
    let gate = DeliveryGate.byClient.get(redis);
    if (!gate) {
      gate = new DeliveryGate(redis);
      DeliveryGate.byClient.set(redis, gate);
    }
    return gate;
  }

  private constructor(
    private readonly redis: Redis,
    /** Most operations in one call; more wait for the next. */
    private readonly maxOperations = 512,
  ) {
    redis.defineCommand('admitDeliveries', { lua: admitScript });
  }

  /** Takes the request's tokens (when it has a bucket) and, if they were there, claims its ids. */
  admit(bucket: Bucket | undefined, claims: readonly SliceClaim[], timing: GateTiming): Promise<AdmissionReply> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'admit', bucket, claims, timing, settle: { resolve, reject } }));
  }

  /**
   * With `mayWaitMs`, the mark waits up to that long for the next call of this gate to carry
   * it, instead of a call of its own: a request that marks its ids after Kafka acknowledged
   * them and the next request's admission then cost Redis one round trip, not two. Queued in
   * order either way, so a retry's claim from this process always comes after the mark.
   */
  mark(key: string, field: Buffer, entry: string, mayWaitMs?: number): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'mark', key, field, entry, settle: { resolve, reject } }, mayWaitMs));
  }

  release(key: string, field: Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'release', key, field, settle: { resolve, reject } }));
  }

  /** Sends whatever is queued now, and resolves once every call this gate made has been answered. */
  async settled(): Promise<void> {
    if (this.queue.length > 0) this.flush();
    while (this.calls.size > 0) await Promise.allSettled([...this.calls]);
  }

  private enqueue(operation: Operation, mayWaitMs?: number): void {
    this.queue.push(operation);
    if (this.scheduled) return;
    if (mayWaitMs !== undefined) {
      this.waitingMarks ??= setTimeout(() => this.flush(), mayWaitMs);
      return;
    }
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    clearTimeout(this.waitingMarks);
    this.waitingMarks = undefined;
    // One call per hash slot: a script's keys must share one on Redis Cluster, and a
    // tenant's keys all carry its tag, so each tenant's operations stay together and in order.
    const bySlot = new Map<number, Operation[]>();
    for (const queued of this.queue) {
      const slot = calculateSlot(keyOf(queued));
      const group = bySlot.get(slot);
      if (group) group.push(queued);
      else bySlot.set(slot, [queued]);
    }
    this.queue = [];
    for (const group of bySlot.values()) {
      for (let from = 0; from < group.length; from += this.maxOperations) {
        const call = this.call(group.slice(from, from + this.maxOperations));
        this.calls.add(call);
        void call.finally(() => this.calls.delete(call));
      }
    }
  }

  private async call(operations: Operation[]): Promise<void> {
    const keys: string[] = [];
    const keyIndex = new Map<string, number>();
    const at = (key: string) => {
      let index = keyIndex.get(key);
      if (index === undefined) {
        index = keys.push(key);
        keyIndex.set(key, index);
      }
      return index;
    };
    // A claim's slices go in as one run of keys, the current one first; the script is handed
    // where the run starts. Every key a script touches is in KEYS, as Redis Cluster requires.
    const runStart = new Map<string, number>();
    const slicesFrom = (current: string) => {
      let start = runStart.get(current);
      if (start === undefined) {
        start = keys.length + 1;
        keys.push(...sliceRun(current));
        runStart.set(current, start);
      }
      return start;
    };
    const packed: Packable[] = operations.map((operation): Packable => {
      if (operation.kind === 'mark') return [1, at(operation.key), operation.field, operation.entry];
      if (operation.kind === 'release') return [2, at(operation.key), operation.field];
      const { bucket, timing } = operation;
      const claims = operation.claims.map((claim): Packable => [slicesFrom(claim.slice), claim.field, claim.fingerprint]);
      return [
        3, timing.nowMs, timing.nowMs.toString(36), timing.holdMs, timing.sliceTtlSeconds,
        ...(bucket ? [at(bucket.key), bucket.eventsPerSecond, bucket.burst, bucket.cost] : [0, 0, 0, 0]), claims,
      ];
    });
    try {
      const reply = await this.redis.admitDeliveries(keys.length, ...keys, packArguments(packed));
      let position = 0;
      for (const operation of operations) {
        if (operation.kind !== 'admit') {
          operation.settle.resolve();
          continue;
        }
        const taken = reply[position++] === 1;
        if (!taken) {
          operation.settle.resolve({ taken: false, waitMs: Number(reply[position++]) });
          continue;
        }
        const claims = operation.claims.map((): ClaimReply => {
          const code = reply[position];
          const fingerprint = String(reply[position + 1]);
          const stored = String(reply[position + 2]);
          position += 3;
          if (code === 0) return { state: 'new' };
          return { state: code === 1 ? 'accepted' : 'in-flight', fingerprint, atMs: parseInt(stored, 36) };
        });
        operation.settle.resolve({ taken: true, claims });
      }
    } catch (error) {
      for (const operation of operations) operation.settle.reject(error);
    }
  }
}

/** The key that places an operation: all of its keys share this one's hash slot. */
function keyOf(operation: Operation): string {
  if (operation.kind !== 'admit') return operation.key;
  return operation.bucket?.key ?? operation.claims[0]?.slice ?? '';
}

/** A slice and the twelve before it: "<shard key>:<n>", "<shard key>:<n - 1>", … */
export function sliceRun(current: string): string[] {
  const split = current.lastIndexOf(':');
  const shard = current.slice(0, split);
  const number = Number(current.slice(split + 1));
  if (split < 0 || !Number.isInteger(number)) throw new Error(`not a slice key: ${current}`);
  return Array.from({ length: DEDUPE_SLICES }, (_, back) => `${shard}:${number - back}`);
}
