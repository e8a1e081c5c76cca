import type { PaymentSnapshot } from '@backstop/contracts';

/**
 * A payment's occurredAt in ms, parsed once per payment object: the rules compare times of
 * the same few dozen payments many times per event. A payment read from Redis arrives with its
 * time already a number (the sorted set's score) and is remembered here as it is read.
 * Payments are never changed once built, so a remembered time stays true.
 */
const times = new WeakMap<PaymentSnapshot, number>();

export function msOf(payment: PaymentSnapshot): number {
  let ms = times.get(payment);
  if (ms === undefined) {
    ms = Date.parse(payment.occurredAt);
    times.set(payment, ms);
  }
  return ms;
}

/** Records the time of a payment whose occurredAt is known as a number already. */
export function rememberMs(payment: PaymentSnapshot, ms: number): void {
  times.set(payment, ms);
}
