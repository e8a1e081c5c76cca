import type { PaymentSnapshot } from '@backstop/contracts';
import { SlotPipelines, type Redis } from '@backstop/redis';
import { msOf, rememberMs } from '../rules/payment-time';
import { fromCompact, type CompactPayment } from './compact-payment';
import { payerKeys } from './keys';
import { observePaymentArgs, packLimits } from './observe-args';
import type { SkuPriceBook, SkuSummary } from './sku-prices';

/** Payments per pipeline when a batch's observations are split to overlap Redis and this process. */
const PIPELINE_EVENTS = 256;
/** Pipelines sent ahead of the one being read: enough to keep Redis busy, few enough to bound what a pass holds. */
const PIPELINES_IN_FLIGHT = 3;

/**
 * How long a call is retried when a Redis Cluster node's connection is lost under it, which
 * covers a failover (node timeout plus election). Every script here is idempotent per event.
 */
const FAILOVER_RETRY_MS = 30_000;

export interface StateLimits {
  /** Payments, recipients and categories older than the payer's newest by more than this are forgotten (ms). */
  historyHorizonMs: number;
  /** Most payments kept per payer and currency. */
  historyCap: number;
  /** Most recipient accounts and categories remembered per payer. */
  recipientCap: number;
  categoryCap: number;
  /** Most event ids remembered per payer, and for how long (ms of event time). */
  seenCap: number;
  seenHorizonMs: number;
  /** Most orders remembered per payer, and for how long (ms of event time), for duplicate.exact. */
  orderCap: number;
  orderHorizonMs: number;
  /** Idle payers' keys expire after this many seconds. */
  payerTtlSeconds: number;
}

/** What the payer's state looked like just before an event. */
export interface PayerSnapshot {
  /** The newest occurredAt seen for this payer (ms), 0 if none: the payer's event-time watermark. */
  newestMs: number;
  /** Recent payments in the event's currency, oldest first. */
  payments: PaymentSnapshot[];
  /** Payments among `payments` that were the payer's first purchase in their category. */
  firstInCategory: ReadonlySet<string>;
  /** Earlier payments of the same order. */
  order: PaymentSnapshot[];
  /** Accounts the payer paid to, with when they last did (ms). */
  recipients: ReadonlyMap<string, number>;
  /** Categories the payer bought, with when they last did (ms). */
  categories: ReadonlyMap<string, number>;
  /** Orders whose goods were delivered (`order.delivered`), with when (ms of event time). */
  deliveries: ReadonlyMap<string, number>;
  /** What all payers recently paid per unit for this sku, as read when the event was first seen. */
  sku: SkuSummary | undefined;
}

/** The snapshot as observe-payment-8.lua writes it (see its header). */
interface RawSnapshot {
  newest: number;
  payments: CompactPayment[];
  /** occurredAt of each payment (ms), from the sorted set's scores; absent from snapshots stored before they were returned. */
  ms?: number[];
  order: CompactPayment[];
  recipients: (string | number)[];
  categories: (string | number)[];
  deliveries: (string | number)[];
  context: { sku?: SkuSummary } | null;
}

function pairs(flat: (string | number)[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(String(flat[i]), Number(flat[i + 1]));
  return map;
}

const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => msOf(a) - msOf(b);

/**
 * Reads a snapshot the script wrote: the detector's own data, typed, not validated again. The
 * payments come oldest first, as the sorted set holds them, with their times as numbers.
 */
export function parseSnapshot(json: string, payerId: string): PayerSnapshot {
  const raw = JSON.parse(json) as RawSnapshot;
  const payments = new Array<PaymentSnapshot>(raw.payments.length);
  const firstInCategory = new Set<string>();
  for (let i = 0; i < raw.payments.length; i += 1) {
    const compact = raw.payments[i]!;
    const payment = fromCompact(compact, payerId);
    if (raw.ms) rememberMs(payment, raw.ms[i]!);
    if (compact.nc === 1) firstInCategory.add(compact.p);
    payments[i] = payment;
  }
  return {
    newestMs: raw.newest,
    payments: raw.ms ? payments : payments.sort(byTime),
    firstInCategory,
    order: raw.order.map((p) => fromCompact(p, payerId)).sort(byTime),
    recipients: pairs(raw.recipients),
    categories: pairs(raw.categories),
    deliveries: pairs(raw.deliveries),
    sku: raw.context?.sku,
  };
}

export interface ObserveRequest {
  tenantId: string;
  payment: PaymentSnapshot;
}

/** An `order.delivered` event, as it enters its payer's state. */
export interface DeliveryRequest {
  tenantId: string;
  payerId: string;
  orderId: string;
  /** The delivery's occurredAt, ms since the epoch. */
  deliveredMs: number;
}

export type Observation<Stored> =
  | { kind: 'fresh'; snapshot: PayerSnapshot }
  | { kind: 'redelivered-before-flags'; snapshot: PayerSnapshot }
  | { kind: 'redelivered'; stored: Stored };

/**
 * The detector's view of Redis: one script call per payment, all of a batch's calls and its
 * sku price updates sent as one pipeline (one round trip per batch, plus one when the sku
 * cache needs refreshing).
 */
export class PayerStateStore<Stored> {
  roundTrips = 0;
  commandsSent = 0;
  private readonly packedLimits: string;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: StateLimits,
    private readonly skuPrices: SkuPriceBook,
    private readonly decodeStored: (json: string) => Stored,
  ) {
    this.packedLimits = packLimits(limits);
  }

  /**
   * Records the payments and deliveries and returns each payment's state before it. A batch's
   * deliveries go first: the rules compare a delivery's event time with the payments', so
   * which of them arrived first within a batch does not matter.
   *
   * `use` turns each observation into what the caller keeps, as soon as its pipeline answered
   * and in request order: a fetch of thousands of events then never holds thousands of parsed
   * snapshots (each a payer's history) at once, only what the caller kept of them.
   */
  async observe(requests: ObserveRequest[], deliveries?: readonly DeliveryRequest[]): Promise<Observation<Stored>[]>;
  async observe<Kept>(requests: ObserveRequest[], deliveries: readonly DeliveryRequest[], use: (observation: Observation<Stored>, index: number) => Kept): Promise<Kept[]>;
  async observe<Kept>(
    requests: ObserveRequest[],
    deliveries: readonly DeliveryRequest[] = [],
    use: (observation: Observation<Stored>, index: number) => Kept = (observation) => observation as Kept,
  ): Promise<Kept[]> {
    if (requests.length === 0 && deliveries.length === 0) return [];
    await this.skuPrices.refresh(requests);
    const nowMs = Date.now();
    // A few pipelines are in flight at once, so Redis runs the scripts of one while this
    // process encodes the next and reads the replies of the one before; the next is sent as
    // one is read, so a fetch of thousands of events never has all their commands and replies
    // alive together. They share the connection, so Redis runs them in the order sent. The
    // deliveries go first.
    const chunks: { from: number; to: number; deliveries: number }[] = [];
    for (let from = 0; from < Math.max(requests.length, 1); from += PIPELINE_EVENTS) {
      chunks.push({ from, to: Math.min(requests.length, from + PIPELINE_EVENTS), deliveries: from === 0 ? deliveries.length : 0 });
    }
    const send = ({ from, to, deliveries: delivered }: (typeof chunks)[number]) => {
      // One pipeline per Redis node (a payer's keys share a slot, so each command goes whole).
      const pipeline = new SlotPipelines(this.redis);
      for (const { tenantId, payerId, orderId, deliveredMs } of deliveries.slice(0, delivered)) {
        const keys = payerKeys(this.prefix, tenantId, payerId);
        pipeline.add(keys.seen, (p) => p.observeDelivery(keys.seen, keys.deliveries, orderId, deliveredMs, this.limits.orderHorizonMs, this.limits.orderCap, this.limits.payerTtlSeconds));
      }
      for (let index = from; index < to; index += 1) {
        const { tenantId, payment } = requests[index]!;
        const sku = this.skuPrices.summaryFor(tenantId, payment);
        const args = observePaymentArgs(this.prefix, tenantId, payment, msOf(payment), sku, nowMs, this.packedLimits);
        pipeline.add(args[0], (p) => p.observePayment(...args));
      }
      for (let index = from; index < to; index += 1) this.skuPrices.queueUpdate(pipeline, requests[index]!.tenantId, requests[index]!.payment);
      this.roundTrips += pipeline.roundTrips;
      this.commandsSent += pipeline.length;
      const replies = pipeline.exec({ retryOnConnectionLoss: FAILOVER_RETRY_MS });
      // Heard at once, so a pipeline that fails while an earlier one is read never rejects unheard.
      replies.catch(() => undefined);
      return replies;
    };
    const inFlight = chunks.slice(0, PIPELINES_IN_FLIGHT).map(send);
    const kept: Kept[] = new Array(requests.length);
    try {
      for (const [n, { from, to, deliveries: delivered }] of chunks.entries()) {
        const results = await inFlight[n]!;
        const ahead = n + PIPELINES_IN_FLIGHT;
        if (ahead < chunks.length) inFlight[ahead] = send(chunks[ahead]!);
        for (let i = 0; i < delivered; i += 1) if (results[i]![0]) throw results[i]![0];
        for (let index = from; index < to; index += 1) {
          const [error, value] = results[delivered + index - from]!;
          if (error) throw error;
          const [already, body] = value as [number, string];
          const payerId = requests[index]!.payment.payerId;
          const observation: Observation<Stored> =
            already === 0 ? { kind: 'fresh', snapshot: parseSnapshot(body, payerId) }
            : body.startsWith('S:') ? { kind: 'redelivered-before-flags', snapshot: parseSnapshot(body.slice(2), payerId) }
            : { kind: 'redelivered', stored: this.decodeStored(body.slice(2)) };
          kept[index] = use(observation, index);
        }
      }
    } finally {
      // Nothing is left running behind a failure: what was sent is waited for, the rest never goes.
      await Promise.allSettled(inFlight);
    }
    return kept;
  }

  /** Remembers what each event produced, replacing its snapshot. */
  async record(entries: { tenantId: string; payment: PaymentSnapshot; stored: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = new SlotPipelines(this.redis);
    for (const { tenantId, payment, stored } of entries) {
      const keys = payerKeys(this.prefix, tenantId, payment.payerId);
      pipeline.add(keys.seen, (p) => p.recordFlags(keys.seen, keys.seenAt, payment.eventId, stored));
    }
    this.roundTrips += pipeline.roundTrips;
    this.commandsSent += entries.length;
    const results = await pipeline.exec({ retryOnConnectionLoss: FAILOVER_RETRY_MS });
    for (const [error] of results) if (error) throw error;
  }
}
