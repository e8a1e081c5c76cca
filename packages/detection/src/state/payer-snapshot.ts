import type { PaymentSnapshot } from '@backstop/contracts';
import type { SkuSummary } from './sku-prices';

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
