import type { PaymentSnapshot } from '@backstop/contracts';
import type { Redis } from '@backstop/redis';
import type { PayerSnapshot } from './payer-snapshot';
import { parseSnapshot } from './payer-state';
import { readPayerArgs } from './read-payer-args';
import { defineDetectorScripts } from './scripts';
import type { SkuPriceBook } from './sku-prices';

/**
 * The payers' state as the detector would see it before `payment`, read without changing it:
 * one read-only script call for the payer (all its keys share a hash tag, so one slot) and the
 * sku's prices through the same short-lived cache the detector keeps, never updated here.
 */
export class PayerStateReader {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly skuPrices: SkuPriceBook,
  ) {
    defineDetectorScripts(redis);
  }

  async read(tenantId: string, payment: PaymentSnapshot): Promise<PayerSnapshot> {
    // Both go out together (the client pipelines what is sent in the same tick).
    const [json] = await Promise.all([
      this.redis.readPayer(...readPayerArgs(this.prefix, tenantId, payment)),
      this.skuPrices.refresh([{ tenantId, payment }]),
    ]);
    return { ...parseSnapshot(json, payment.payerId), sku: this.skuPrices.summaryFor(tenantId, payment) };
  }
}
