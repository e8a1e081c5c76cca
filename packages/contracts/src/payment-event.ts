import { z } from 'zod';
import { ExternalId, FreeText, PlatformName, PlatformValue, Timestamp } from './ids';
import { CurrencyCode, MinorUnits, PositiveMinorUnits } from './money';

export const PaymentKind = z.enum(['purchase', 'topup', 'transfer']);
export type PaymentKind = z.infer<typeof PaymentKind>;

/** One captured charge, as the platform reports it. */
export const PaymentData = z.strictObject({
  paymentId: ExternalId,
  orderId: PlatformName,
  payerId: PlatformName,
  merchantId: PlatformName,
  kind: PaymentKind,
  sku: PlatformName.optional(),
  category: PlatformName.optional(),
  quantity: z.int().min(1).max(1_000_000).default(1),
  unitPrice: MinorUnits.optional(),
  amount: PositiveMinorUnits,
  currency: CurrencyCode,
  /** The order's total when one order is split over several payments; defaults to `amount`. */
  orderAmount: MinorUnits.optional(),
  /** The game account or transfer target the money or goods went to. */
  recipientAccount: PlatformValue.max(128).optional(),
  /** Whether the recipient account is identity-verified (实名). */
  recipientVerified: z.boolean().optional(),
  channel: PlatformValue.max(64).optional(),
  /**
   * The `intentId` of the pre-payment check (`POST /v1/checks`) the user confirmed before this
   * payment, when there was one: a flag on the payment then records that they were warned.
   */
  intentId: ExternalId.optional(),
});
export type PaymentData = z.infer<typeof PaymentData>;

const envelope = {
  id: ExternalId,
  occurredAt: Timestamp,
};

export const PaymentSucceeded = z.strictObject({
  ...envelope,
  type: z.literal('payment.succeeded'),
  data: PaymentData,
});
export type PaymentSucceeded = z.infer<typeof PaymentSucceeded>;

/** The goods of an order reached the user; refund policy depends on it. */
export const OrderDelivered = z.strictObject({
  ...envelope,
  type: z.literal('order.delivered'),
  data: z.strictObject({
    orderId: PlatformName,
    payerId: PlatformName,
    paymentId: ExternalId.optional(),
  }),
});
export type OrderDelivered = z.infer<typeof OrderDelivered>;

const refundOutcome = {
  paymentId: ExternalId,
  payerId: PlatformName,
  amount: PositiveMinorUnits,
  currency: CurrencyCode,
  /** Backstop's decision id when the refund was Backstop's; absent for the platform's own refunds. */
  decisionId: PlatformValue.max(64).optional(),
  refundId: ExternalId.optional(),
};

export const RefundSucceeded = z.strictObject({
  ...envelope,
  type: z.literal('refund.succeeded'),
  data: z.strictObject(refundOutcome),
});
export type RefundSucceeded = z.infer<typeof RefundSucceeded>;

export const RefundFailed = z.strictObject({
  ...envelope,
  type: z.literal('refund.failed'),
  data: z.strictObject({ ...refundOutcome, reason: FreeText.max(500).optional() }),
});
export type RefundFailed = z.infer<typeof RefundFailed>;

/** Everything a platform may post to the webhook endpoint (v1). */
export const WebhookEvent = z.discriminatedUnion('type', [PaymentSucceeded, OrderDelivered, RefundSucceeded, RefundFailed]);
export type WebhookEvent = z.infer<typeof WebhookEvent>;
export type WebhookEventType = WebhookEvent['type'];
export const webhookEventTypes = WebhookEvent.options.map((option) => option.shape.type.value);

/** Most events in one batch request. */
export const MAX_BATCH_EVENTS = 500;

/** The body of `POST /v1/webhooks/payments:batch`: events are answered one by one. */
export const WebhookBatch = z.strictObject({
  events: z.array(WebhookEvent).min(1).max(MAX_BATCH_EVENTS),
});
export type WebhookBatch = z.infer<typeof WebhookBatch>;

/** The payer every event belongs to: the Kafka key keeps one payer's events in order. */
export function payerOf(event: WebhookEvent): string {
  return event.data.payerId;
}

type Priced = Pick<PaymentData, 'amount' | 'orderAmount' | 'quantity' | 'unitPrice'>;

/**
 * What the payment's order is worth. A part of a split order is priced at the order's total:
 * judged on its own, the 10 % paid from a balance would look like a tenth of the price.
 * Parts that add up to more than the total are duplicate.exact's to catch, and an amount
 * above its own order's total is priced as paid.
 */
export function orderedAmount(data: Priced): number {
  return Math.max(data.amount, data.orderAmount ?? data.amount);
}

/**
 * `unitPrice × quantity` should equal what was paid, or on a part of a split order the
 * order's total (platforms send either); a mismatch is a mistake to detect, not to reject.
 */
export function amountMismatch(data: Priced): boolean {
  if (data.unitPrice === undefined) return false;
  const listed = data.unitPrice * data.quantity;
  return listed !== data.amount && listed !== orderedAmount(data);
}
