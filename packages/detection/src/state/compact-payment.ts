import type { PaymentKind, PaymentSnapshot } from '@backstop/contracts';

/**
 * The form a payment takes inside Redis: short field names, since every payer keeps dozens
 * of them. `toCompact` and `fromCompact` are exact inverses.
 *
 * Only the detector writes these, from events it parsed at the topic's boundary, so they are
 * read back as they are, typed, not validated again.
 */
export interface CompactPayment {
  e: string;
  p: string;
  o: string;
  m: string;
  k: PaymentKind;
  s?: string;
  c?: string;
  q: number;
  u?: number;
  a: number;
  $: string;
  oa?: number;
  r?: string;
  rv?: boolean;
  ch?: string;
  t: string;
  /** Set by observe-payment-8.lua on the payer's first purchase in its category. */
  nc?: 1;
}

/** The compact form's fields; absent ones are undefined, which JSON leaves out. */
function compactOf(payment: PaymentSnapshot): CompactPayment {
  return {
    e: payment.eventId, p: payment.paymentId, o: payment.orderId, m: payment.merchantId, k: payment.kind,
    s: payment.sku, c: payment.category, q: payment.quantity, u: payment.unitPrice, a: payment.amount,
    $: payment.currency, oa: payment.orderAmount, r: payment.recipientAccount, rv: payment.recipientVerified,
    ch: payment.channel, t: payment.occurredAt,
  };
}

export function toCompact(payment: PaymentSnapshot): string {
  return JSON.stringify(compactOf(payment));
}

/**
 * The payment as a snapshot read back from Redis would hold it: `fromCompact` of its compact
 * form, without the trip through text (the event's fields are JSON values already).
 */
export function asStored(payment: PaymentSnapshot): PaymentSnapshot {
  return fromCompact(compactOf(payment), payment.payerId);
}

export function fromCompact(c: CompactPayment, payerId: string): PaymentSnapshot {
  const snapshot: PaymentSnapshot = {
    eventId: c.e, paymentId: c.p, orderId: c.o, payerId, merchantId: c.m, kind: c.k,
    quantity: c.q, amount: c.a, currency: c.$, occurredAt: c.t,
  };
  if (c.s !== undefined) snapshot.sku = c.s;
  if (c.c !== undefined) snapshot.category = c.c;
  if (c.u !== undefined) snapshot.unitPrice = c.u;
  if (c.oa !== undefined) snapshot.orderAmount = c.oa;
  if (c.r !== undefined) snapshot.recipientAccount = c.r;
  if (c.rv !== undefined) snapshot.recipientVerified = c.rv;
  if (c.ch !== undefined) snapshot.channel = c.ch;
  return snapshot;
}
