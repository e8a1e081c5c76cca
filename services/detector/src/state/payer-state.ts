import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { PaymentSnapshot } from '@backstop/contracts';
import type { Redis } from '@backstop/redis';
import { fromCompact, toCompact } from './compact-payment';
import { payerKeys } from './keys';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    observePayment(...args: (string | number)[]): Result<[number, string], Context>;
    recordFlags(...args: string[]): Result<number, Context>;
  }
}

const lua = (name: string) => readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');

/** Registered once per client; ioredis reloads them by EVAL if Redis restarted and lost its script cache. */
export function defineDetectorScripts(redis: Redis): void {
  redis.defineCommand('observePayment', { numberOfKeys: 4, lua: lua('observe-payment-4') });
  redis.defineCommand('recordFlags', { numberOfKeys: 2, lua: lua('record-flags-2') });
}

export interface StateLimits {
  /** Payments older than the payer's newest by more than this are forgotten (ms). */
  historyHorizonMs: number;
  /** Most payments kept per payer. */
  historyCap: number;
  /** Most event ids remembered per payer, and for how long (ms of event time). */
  seenCap: number;
  seenHorizonMs: number;
  /** Idle payers' keys expire after this many seconds. */
  payerTtlSeconds: number;
  orderTtlSeconds: number;
}

/** What the payer's state looked like just before an event. */
export interface PayerSnapshot {
  /** The newest occurredAt seen for this payer (ms), 0 if none. */
  newestMs: number;
  /** Recent payments, oldest first. */
  payments: PaymentSnapshot[];
  /** Earlier payments of the same order. */
  order: PaymentSnapshot[];
}

export type Observation<Stored> =
  | { kind: 'fresh'; snapshot: PayerSnapshot }
  | { kind: 'redelivered-before-flags'; snapshot: PayerSnapshot }
  | { kind: 'redelivered'; stored: Stored };

function parseSnapshot(json: string, payerId: string): PayerSnapshot {
  const raw = JSON.parse(json) as { newest: number; payments: unknown[]; order: unknown[] };
  const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
  return {
    newestMs: raw.newest,
    payments: raw.payments.map((p) => fromCompact(p, payerId)).sort(byTime),
    order: raw.order.map((p) => fromCompact(p, payerId)).sort(byTime),
  };
}

export interface ObserveRequest {
  tenantId: string;
  payment: PaymentSnapshot;
}

/**
 * The detector's view of Redis: one script call per payment, all of a batch's calls sent as
 * one pipeline (one round trip per batch).
 */
export class PayerStateStore<Stored> {
  roundTrips = 0;
  commandsSent = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: StateLimits,
    private readonly decodeStored: (json: string) => Stored,
  ) {}

  async observe(requests: ObserveRequest[]): Promise<Observation<Stored>[]> {
    if (requests.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const { tenantId, payment } of requests) {
      const keys = payerKeys(this.prefix, tenantId, payment.payerId);
      pipeline.observePayment(
        keys.seen, keys.seenAt, keys.payments, keys.order(payment.orderId),
        payment.eventId, Date.parse(payment.occurredAt), payment.paymentId, toCompact(payment),
        this.limits.historyHorizonMs, this.limits.historyCap, this.limits.seenCap, this.limits.seenHorizonMs,
        this.limits.payerTtlSeconds, this.limits.orderTtlSeconds,
      );
    }
    this.roundTrips += 1;
    this.commandsSent += requests.length;
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, value], index) => {
      if (error) throw error;
      const [already, body] = value as [number, string];
      const payerId = requests[index]!.payment.payerId;
      if (already === 0) return { kind: 'fresh', snapshot: parseSnapshot(body, payerId) };
      if (body.startsWith('S:')) return { kind: 'redelivered-before-flags', snapshot: parseSnapshot(body.slice(2), payerId) };
      return { kind: 'redelivered', stored: this.decodeStored(body.slice(2)) };
    });
  }

  /** Remembers what each event produced, replacing its snapshot. */
  async record(entries: { tenantId: string; payment: PaymentSnapshot; stored: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const { tenantId, payment, stored } of entries) {
      const keys = payerKeys(this.prefix, tenantId, payment.payerId);
      pipeline.recordFlags(keys.seen, keys.seenAt, payment.eventId, stored);
    }
    this.roundTrips += 1;
    this.commandsSent += entries.length;
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
  }
}
