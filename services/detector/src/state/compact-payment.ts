import { z } from 'zod';
import type { PaymentKind, PaymentSnapshot } from '@backstop/contracts';

/**
 * The form a payment takes inside Redis: short field names, since every payer keeps dozens
 * of them. `toCompact` and `fromCompact` are exact inverses.
 */
const CompactPayment = z.object({
  e: z.string(),
  p: z.string(),
  o: z.string(),
  m: z.string(),
  k: z.enum(['purchase', 'topup', 'transfer']),
  s: z.string().optional(),
  c: z.string().optional(),
  q: z.number(),
  u: z.number().optional(),
  a: z.number(),
  $: z.string(),
  oa: z.number().optional(),
  r: z.string().optional(),
  rv: z.boolean().optional(),
  ch: z.string().optional(),
  t: z.string(),
});
type CompactPayment = z.infer<typeof CompactPayment>;

export function toCompact(payment: PaymentSnapshot): string {
  const compact: CompactPayment = {
    e: payment.eventId, p: payment.paymentId, o: payment.orderId, m: payment.merchantId, k: payment.kind,
    s: payment.sku, c: payment.category, q: payment.quantity, u: payment.unitPrice, a: payment.amount,
    $: payment.currency, oa: payment.orderAmount, r: payment.recipientAccount, rv: payment.recipientVerified,
    ch: payment.channel, t: payment.occurredAt,
  };
  return JSON.stringify(compact);
}

export function fromCompact(value: unknown, payerId: string): PaymentSnapshot {
  const c = CompactPayment.parse(value);
  const snapshot: PaymentSnapshot = {
    eventId: c.e, paymentId: c.p, orderId: c.o, payerId, merchantId: c.m, kind: c.k as PaymentKind,
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
