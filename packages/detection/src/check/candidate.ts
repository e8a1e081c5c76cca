import type { CheckIntent, PaymentSnapshot } from '@backstop/contracts';
import { rememberMs } from '../rules/payment-time';

/**
 * Ids the payment checked would have: no payment id exists before the charge, and one derived
 * from the intent keeps the rules' own notion of "the same payment" (one id, one charge) from
 * mistaking it for any payment the platform reported. `:` never starts a platform's ids here.
 */
export const candidateIdOf = (intentId: string) => `check:${intentId}`;

/** The payment about to be made, as the rules read payments, happening at `nowMs`. */
export function candidatePayment(intent: CheckIntent, nowMs: number): PaymentSnapshot {
  const { intentId, ...data } = intent;
  const id = candidateIdOf(intentId);
  const payment: PaymentSnapshot = { ...data, eventId: id, paymentId: id, quantity: data.quantity ?? 1, occurredAt: new Date(nowMs).toISOString() };
  // Its time is known as a number already: the rules need not parse it back.
  rememberMs(payment, nowMs);
  return payment;
}
