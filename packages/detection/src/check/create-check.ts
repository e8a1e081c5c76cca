import type { Redis } from '@backstop/redis';
import type { RulesConfigSource } from '../policy/tenant-rules';
import { PayerStateReader } from '../state/payer-reader';
import { SkuPriceBook } from '../state/sku-prices';
import type { PayerStateSettings } from '../state/state-settings';
import { PaymentCheck } from './payment-check';

/** A pre-payment check on the state the detector writes with these settings (the same prefix and sku cache). */
export function createPaymentCheck(redis: Redis, settings: PayerStateSettings, rulesConfig: RulesConfigSource): PaymentCheck {
  const skuPrices = new SkuPriceBook(redis, settings.REDIS_KEY_PREFIX, {
    cap: settings.DETECTOR_SKU_SAMPLE_CAP,
    // Read only: the book never adds a price here, so its key expiry is never set from here.
    ttlSeconds: 0,
    cacheMs: settings.DETECTOR_SKU_CACHE_MS,
  });
  return new PaymentCheck(new PayerStateReader(redis, settings.REDIS_KEY_PREFIX, skuPrices), rulesConfig);
}
