import type { PaymentSnapshot } from '@backstop/contracts';
import type { CompactPayment } from './compact-payment';
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

/** The snapshot as observe-payment-8.lua writes it (see its header). */
export interface RawSnapshot {
  newest: number;
  payments: CompactPayment[];
  /** occurredAt of each payment (ms), from the sorted set's scores; absent from snapshots stored before they were returned. */
  ms?: number[];
  order: CompactPayment[];
  recipients: (string | number)[];
  categories: (string | number)[];
  deliveries: (string | number)[];
  context: { sku?: SkuSummary } | null;
  /** The state's version, in what read-payer-6.lua returns: null for state an older writer left. */
  version?: string | null;
}
