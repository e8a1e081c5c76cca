/** KEYS[1..6], then ARGV[1..2] of read-payer-6.lua, in its order (see its header). */
export type ReadPayerArgs = [
  seen: string, payments: string, orders: string, recipients: string, categories: string, deliveries: string,
  orderId: string, context: string,
];
