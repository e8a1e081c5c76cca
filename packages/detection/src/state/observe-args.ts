import type { PaymentSnapshot } from '@backstop/contracts';
import { toCompact } from './compact-payment';
import { payerKeys } from './keys';
import type { SkuSummary } from './sku-prices';

/** The limits observe-payment-8.lua applies, as the state is configured. */
export interface ObserveLimits {
  historyHorizonMs: number;
  historyCap: number;
  seenCap: number;
  seenHorizonMs: number;
  payerTtlSeconds: number;
  orderCap: number;
  orderHorizonMs: number;
  recipientCap: number;
  categoryCap: number;
}

/** KEYS[1..8], then ARGV[1..13] of observe-payment-8.lua, in its order (see its header). */
export type ObservePaymentArgs = [
  seen: string, seenAt: string, payments: string, orders: string, ordersAt: string, recipients: string, categories: string, deliveries: string,
  eventId: string, occurredAtMs: number, orderId: string, compactPayment: string, recipient: string, category: string, context: string,
  nowMs: number, limits: string, expectedVersion: string, flags: string, expectedOrderLength: number, expectedCounts: string,
];

/** A payment its caller judged from its own copy of the payer's state (see "Judged ahead" in the script). */
export interface JudgedAhead {
  /** The version that copy stands for. */
  version: string;
  /** The length of the order's json in that copy, 0 if the copy does not know the order. */
  orderLength: number;
  /** How many payments (in the currency), recipients, categories and deliveries the copy holds, and its newest event time, space-separated. */
  counts: string;
  /** The flags json the judgement produced, stored under the event id. */
  flags: string;
  /** The payment's compact json, as its copy recorded it. */
  compact: string;
}

/** The limits packed once, as the script's last argument reads them. */
export function packLimits(limits: ObserveLimits): string {
  return [
    limits.historyHorizonMs, limits.historyCap, limits.seenCap, limits.seenHorizonMs, limits.payerTtlSeconds,
    limits.orderCap, limits.orderHorizonMs, limits.recipientCap, limits.categoryCap,
  ].map((value) => Math.round(value).toString()).join(' ');
}

/** What observe-payment-8.lua takes to record `payment` of `tenantId`'s payer. */
export function observePaymentArgs(
  prefix: string,
  tenantId: string,
  payment: PaymentSnapshot,
  occurredAtMs: number,
  sku: SkuSummary | undefined,
  nowMs: number,
  packedLimits: string,
  judgedAhead?: JudgedAhead,
): ObservePaymentArgs {
  const keys = payerKeys(prefix, tenantId, payment.payerId);
  const category = payment.kind === 'purchase' && payment.category !== undefined ? payment.category : '';
  return [
    keys.seen, keys.seenAt, keys.payments(payment.currency), keys.orders, keys.ordersAt, keys.recipients, keys.categories, keys.deliveries,
    payment.eventId, occurredAtMs, payment.orderId, judgedAhead?.compact ?? toCompact(payment), payment.recipientAccount ?? '', category,
    sku ? JSON.stringify({ sku }) : '{}', nowMs, packedLimits,
    judgedAhead ? `=${judgedAhead.version}` : '', judgedAhead?.flags ?? '', judgedAhead?.orderLength ?? 0, judgedAhead?.counts ?? '',
  ];
}
