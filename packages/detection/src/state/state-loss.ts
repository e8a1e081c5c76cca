import calculateSlot from 'cluster-key-slot';
import type { Flag } from '@backstop/contracts';
import { SlotRanges } from '@backstop/redis';
import { payerKeys, skuPricesKey } from './keys';

/**
 * What a loss of the payers' state may have taken, asked of each flag raised while it is
 * rebuilt: whether the flag's evidence could rest on writes that are gone.
 */
export interface StateLoss {
  /** The whole state (Redis restarted empty, or was flushed), or only some slots' writes. */
  readonly everything: boolean;
  covers(flag: Pick<Flag, 'tenantId' | 'payment'>): boolean;
}

export const WHOLE_STATE_LOST: StateLoss = { everything: true, covers: () => true };

/**
 * A loss of the slots given (Redis Cluster masters whose replicas took over without their last
 * writes). A flag is judged on its payer's keys, which share the payer's hash tag, and on the
 * sku's price history, which has a tag of its own: it is covered when either lies in a lost
 * slot. Every other payer's flags stand on intact state and stay unmarked.
 */
export function slotsLost(prefix: string, ranges: string): StateLoss {
  const lost = SlotRanges.parse(ranges);
  return {
    everything: false,
    covers: ({ tenantId, payment }) =>
      lost.has(calculateSlot(payerKeys(prefix, tenantId, payment.payerId).seen)) ||
      (payment.sku !== undefined && lost.has(calculateSlot(skuPricesKey(prefix, tenantId, payment.sku, payment.currency)))),
  };
}
