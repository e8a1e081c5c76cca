import { getHeapStatistics } from 'node:v8';
import type { Redis } from '@backstop/redis';
import type { PayerStateSettings } from './state-settings';
import { StoredFlags } from './stored-flags';
import { PayerCopies } from './payer-copies';
import { PayerStateStore, type StateLimits } from './payer-state';
import { defineDetectorScripts } from './scripts';
import { SkuPriceBook } from './sku-prices';

const hourMs = 3_600_000;

/** The limits the configuration names, as the observe script applies them. */
export function stateLimitsOf(config: PayerStateSettings): StateLimits {
  const historyHorizonMs = config.DETECTOR_HISTORY_DAYS * 24 * hourMs;
  return {
    historyHorizonMs,
    historyCap: config.DETECTOR_HISTORY_CAP,
    recipientCap: config.DETECTOR_RECIPIENT_CAP,
    categoryCap: config.DETECTOR_CATEGORY_CAP,
    seenCap: config.DETECTOR_SEEN_CAP,
    seenHorizonMs: config.DETECTOR_SEEN_HOURS * hourMs,
    orderCap: config.DETECTOR_ORDER_CAP,
    orderHorizonMs: config.DETECTOR_ORDER_DAYS * 24 * hourMs,
    // The script renews a payer's expiries at most once a day: a day on top of the horizon.
    payerTtlSeconds: Math.ceil(historyHorizonMs / 1000) + 86_400,
  };
}

/** Heap a payment held in a payer's copy takes, with its share of the copy's maps (measured, bytes; see PayerCopy.weight). */
const BYTES_PER_COPIED_PAYMENT = 450;

/**
 * How many payments the copies of payers' state may hold when the configuration names no
 * number: a sixteenth of the heap this process may grow to, at most 100,000. Measured on
 * 120,000 events of 3,000 payers: 100,000 payments held were 46 MiB of live heap and 143 MiB
 * more resident memory (V8 grows its heap well beyond what lives in it). A detector run with a
 * small heap keeps fewer copies, and room for a backlog's fetches.
 */
export function defaultCopyPayments(heapLimitBytes = getHeapStatistics().heap_size_limit): number {
  return Math.min(100_000, Math.floor(heapLimitBytes / 16 / BYTES_PER_COPIED_PAYMENT));
}

/**
 * The detector's Redis state with the limits the configuration names. `clock` only decides
 * when a cached sku summary is read again; a backtest passes one that advances a cache period
 * per call, so every batch reads the summaries afresh whatever the wall clock does.
 */
export function createPayerStateStore(redis: Redis, config: PayerStateSettings, clock: () => number = Date.now): PayerStateStore<StoredFlags> {
  defineDetectorScripts(redis);
  const skuPrices = new SkuPriceBook(redis, config.REDIS_KEY_PREFIX, {
    cap: config.DETECTOR_SKU_SAMPLE_CAP,
    ttlSeconds: 30 * 86_400,
    cacheMs: config.DETECTOR_SKU_CACHE_MS,
  }, clock);
  return new PayerStateStore(
    redis,
    config.REDIS_KEY_PREFIX,
    stateLimitsOf(config),
    skuPrices,
    (json) => StoredFlags.parse(JSON.parse(json)),
    new PayerCopies(config.DETECTOR_STATE_COPY_PAYMENTS ?? defaultCopyPayments(), config.DETECTOR_STATE_COPY_SECONDS * 1000),
  );
}
