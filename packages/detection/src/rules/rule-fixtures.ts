import type { PaymentSnapshot } from '@backstop/contracts';
import { examplePaymentData } from '@backstop/testkit';
import { memberOf } from '../state/payer-copy';
import type { PayerSnapshot } from '../state/payer-snapshot';
import { compareBytes } from '../state/scored-set';
import type { SkuSummary } from '../state/sku-prices';
import { summarizeLog } from '../stats/robust';
import type { RuleContext } from './rule';

/** Builders for rule unit tests: payments at given seconds, and the state the Lua script would return. */

const epochMs = Date.parse('2026-03-01T12:00:00.000Z');
let sequence = 0;

export function payment(atSeconds: number, overrides: Partial<PaymentSnapshot> = {}): PaymentSnapshot {
  sequence += 1;
  return {
    eventId: `evt_${sequence}`,
    ...examplePaymentData(String(sequence), { payerId: 'u_1', sku: 'welkin-30d' }),
    quantity: 1,
    occurredAt: new Date(epochMs + atSeconds * 1000).toISOString(),
    ...overrides,
  };
}

export function skuSummary(unitPrices: number[]): SkuSummary {
  const summary = summarizeLog(unitPrices)!;
  return { ...summary, medianUnitPrice: Math.round(Math.exp(summary.logMedian)) };
}

/** The payer's state before `current`, as observe-payment-8.lua builds it from `history`. */
export function contextFor(current: PaymentSnapshot, history: PaymentSnapshot[], sku?: SkuSummary, deliveries: ReadonlyMap<string, number> = new Map()): RuleContext {
  const ms = (p: PaymentSnapshot) => Date.parse(p.occurredAt);
  const recipients = new Map<string, number>();
  const categories = new Map<string, number>();
  const firstInCategory = new Set<string>();
  for (const p of history) {
    if (p.recipientAccount) recipients.set(p.recipientAccount, Math.max(recipients.get(p.recipientAccount) ?? 0, ms(p)));
    if (p.kind === 'purchase' && p.category) {
      if (!categories.has(p.category)) firstInCategory.add(p.paymentId);
      categories.set(p.category, Math.max(categories.get(p.category) ?? 0, ms(p)));
    }
  }
  // The payments' sorted set breaks a tie on time by the members' bytes, as Redis does; an
  // order's list keeps payments tied on time in the order they came.
  const member = (p: PaymentSnapshot) => memberOf(p, firstInCategory.has(p.paymentId));
  const payments = history
    .filter((p) => p.currency === current.currency)
    .sort((a, b) => ms(a) - ms(b) || compareBytes(member(a), member(b)));
  const inOrderOfArrival = [...history].sort((a, b) => ms(a) - ms(b));
  const before: PayerSnapshot = {
    newestMs: Math.max(0, ...history.map(ms)),
    payments,
    // The script marks first purchases among the payments it returns: this currency's.
    firstInCategory: new Set(payments.map((p) => p.paymentId).filter((id) => firstInCategory.has(id))),
    order: inOrderOfArrival.filter((p) => p.orderId === current.orderId),
    recipients,
    categories,
    deliveries,
    sku,
  };
  return { tenantId: 'cardshop', payment: current, marks: [], before };
}
