import type { PaymentSnapshot } from '@backstop/contracts';
import type { Redis } from '@backstop/redis';
import { fromCompact, toCompact } from './compact-payment';
import { payerKeys } from './keys';
import type { SkuPriceBook, SkuSummary } from './sku-prices';

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

interface RawSnapshot {
  newest: number;
  payments: { nc?: number; p: string }[];
  order: unknown[];
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

function parseSnapshot(json: string, payerId: string): PayerSnapshot {
  const raw = JSON.parse(json) as RawSnapshot;
  const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
  return {
    newestMs: raw.newest,
    payments: raw.payments.map((p) => fromCompact(p, payerId)).sort(byTime),
    firstInCategory: new Set(raw.payments.filter((p) => p.nc === 1).map((p) => p.p)),
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

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: StateLimits,
    private readonly skuPrices: SkuPriceBook,
    private readonly decodeStored: (json: string) => Stored,
  ) {}

  /**
   * Records the payments and deliveries and returns each payment's state before it. A batch's
   * deliveries go first: the rules compare a delivery's event time with the payments', so
   * which of them arrived first within a batch does not matter.
   */
  async observe(requests: ObserveRequest[], deliveries: readonly DeliveryRequest[] = []): Promise<Observation<Stored>[]> {
    if (requests.length === 0 && deliveries.length === 0) return [];
    await this.skuPrices.refresh(requests);
    const pipeline = this.redis.pipeline();
    for (const { tenantId, payerId, orderId, deliveredMs } of deliveries) {
      const keys = payerKeys(this.prefix, tenantId, payerId);
      pipeline.observeDelivery(keys.seen, keys.deliveries, orderId, deliveredMs, this.limits.orderHorizonMs, this.limits.orderCap, this.limits.payerTtlSeconds);
    }
    for (const { tenantId, payment } of requests) {
      const keys = payerKeys(this.prefix, tenantId, payment.payerId);
      const category = payment.kind === 'purchase' && payment.category !== undefined ? payment.category : '';
      const sku = this.skuPrices.summaryFor(tenantId, payment);
      pipeline.observePayment(
        keys.seen, keys.seenAt, keys.payments(payment.currency), keys.orders, keys.ordersAt, keys.recipients, keys.categories, keys.deliveries,
        payment.eventId, Date.parse(payment.occurredAt), payment.orderId, toCompact(payment),
        this.limits.historyHorizonMs, this.limits.historyCap, this.limits.seenCap, this.limits.seenHorizonMs,
        this.limits.payerTtlSeconds, this.limits.orderCap, this.limits.orderHorizonMs,
        payment.recipientAccount ?? '', this.limits.recipientCap, category, this.limits.categoryCap,
        JSON.stringify(sku ? { sku } : {}),
      );
    }
    for (const { tenantId, payment } of requests) this.skuPrices.queueUpdate(pipeline, tenantId, payment);
    this.roundTrips += 1;
    this.commandsSent += pipeline.length;
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results.slice(0, deliveries.length)) if (error) throw error;
    return requests.map((request, index) => {
      const [error, value] = results[deliveries.length + index]!;
      if (error) throw error;
      const [already, body] = value as [number, string];
      const payerId = request.payment.payerId;
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
