import { payerKeys } from './keys';

/** KEYS[1..6], then ARGV[1..2] of read-payer-6.lua, in its order (see its header). */
export type ReadPayerArgs = [
  seen: string, payments: string, orders: string, recipients: string, categories: string, deliveries: string,
  orderId: string, context: string,
];

/** What read-payer-6.lua takes to read `payerId`'s state before a payment of `orderId` in `currency`. */
export function readPayerArgs(prefix: string, tenantId: string, payment: { payerId: string; currency: string; orderId: string }): ReadPayerArgs {
  const keys = payerKeys(prefix, tenantId, payment.payerId);
  return [keys.seen, keys.payments(payment.currency), keys.orders, keys.recipients, keys.categories, keys.deliveries, payment.orderId, '{}'];
}
