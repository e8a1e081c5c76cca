import type { PaymentSnapshot } from '@backstop/contracts';
import { SlotPipelines, type Redis } from '@backstop/redis';
import { summarizeLog, type LogSummary } from '../stats/robust';
import { skuPricesKey } from './keys';

export interface SkuPriceLimits {
  /** Most recent unit prices kept per sku and currency. */
  cap: number;
  ttlSeconds: number;
  /** How long a summary read from Redis is trusted in process (ms of wall time). */
  cacheMs: number;
}

/** Samples after which a sku's summary is trusted for the whole cache period. */
const MATURE_SAMPLES = 50;

/** What all payers recently paid per unit for one sku in one currency. */
export type SkuSummary = LogSummary & { medianUnitPrice: number };

export function unitPriceOf(payment: PaymentSnapshot): number {
  return payment.unitPrice ?? payment.amount / payment.quantity;
}

/**
 * Whether `unitPrice` is a fixed-price sku's catalogue price: the sku has enough samples,
 * they barely vary (MAD of log prices at most `maxLogMad`), and the price is within that
 * distance of their median. A top-up, whose price varies by payer, never qualifies.
 */
export function isCataloguePrice(sku: SkuSummary | undefined, unitPrice: number, minSamples: number, maxLogMad: number): boolean {
  return sku !== undefined && sku.count >= minSamples && sku.logMad <= maxLogMad && Math.abs(Math.log(unitPrice) - sku.logMedian) <= maxLogMad;
}

/**
 * The unit prices of each sku across all payers, kept in Redis (one sorted set per sku and
 * currency, member `<unit price>:<payment id>` so a redelivered event adds nothing) and read
 * through a short-lived in-process cache: a sku's usual price moves slowly, and a cached
 * summary keeps the hot path at one round trip.
 */
export class SkuPriceBook {
  private readonly cache = new Map<string, { summary: SkuSummary | undefined; readAt: number }>();
  roundTrips = 0;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: SkuPriceLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  private keyOf(tenantId: string, payment: PaymentSnapshot): string | undefined {
    return payment.sku === undefined ? undefined : skuPricesKey(this.prefix, tenantId, payment.sku, payment.currency);
  }

  /**
   * A summary of a sku with few samples changes with every sale and is re-read sooner: a new
   * sku's first prices must not be judged for a whole cache period against an empty summary.
   */
  private trustMs(summary: SkuSummary | undefined): number {
    return this.limits.cacheMs * Math.min(1, (summary?.count ?? 0) / MATURE_SAMPLES);
  }

  /** Reads the summaries of the batch's skus that are missing or stale, in one pipeline. */
  async refresh(requests: readonly { tenantId: string; payment: PaymentSnapshot }[]): Promise<void> {
    const now = this.clock();
    const stale = new Set<string>();
    for (const { tenantId, payment } of requests) {
      const key = this.keyOf(tenantId, payment);
      const cached = key === undefined ? undefined : this.cache.get(key);
      if (key !== undefined && (!cached || now - cached.readAt > this.trustMs(cached.summary))) stale.add(key);
    }
    if (stale.size === 0) return;
    const keys = [...stale];
    const pipeline = new SlotPipelines(this.redis);
    for (const key of keys) pipeline.add(key, (p) => p.zrange(key, 0, -1));
    this.roundTrips += pipeline.roundTrips;
    // Only reads: safe to send again when a cluster node is lost under it.
    const results = await pipeline.exec({ retryOnConnectionLoss: 30_000 });
    results.forEach(([error, members], index) => {
      if (error) throw error;
      const prices = (members as string[]).map((member) => Number(member.slice(0, member.indexOf(':'))));
      const summary = summarizeLog(prices);
      this.cache.set(keys[index]!, {
        summary: summary && { ...summary, medianUnitPrice: Math.round(Math.exp(summary.logMedian)) },
        readAt: now,
      });
    });
  }

  summaryFor(tenantId: string, payment: PaymentSnapshot): SkuSummary | undefined {
    const key = this.keyOf(tenantId, payment);
    return key === undefined ? undefined : this.cache.get(key)?.summary;
  }

  /**
   * Adds the payments' unit prices to their skus' sets, as part of the caller's pipeline: one
   * call per sku, since many payments of a fetch buy the same few skus.
   */
  queueUpdates(pipeline: SlotPipelines, requests: readonly { tenantId: string; payment: PaymentSnapshot }[]): void {
    const bySku = new Map<string, (string | number)[]>();
    for (const { tenantId, payment } of requests) {
      const key = this.keyOf(tenantId, payment);
      if (key === undefined) continue;
      let scoredMembers = bySku.get(key);
      if (!scoredMembers) bySku.set(key, (scoredMembers = []));
      scoredMembers.push(Date.parse(payment.occurredAt), `${unitPriceOf(payment)}:${payment.paymentId}`);
    }
    for (const [key, scoredMembers] of bySku) pipeline.add(key, (p) => p.addSkuPrices(key, this.limits.cap, this.limits.ttlSeconds, ...scoredMembers));
  }
}
