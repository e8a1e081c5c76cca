import type { CheckIntent, PaymentData, WebhookEvent } from '@backstop/contracts';
import { paymentEvent, uniqueId } from '../support/webhooks';

/** The check a platform would send for the payment it is about to make: the fields of the payment without its id. */
export function intentFor(data: Partial<PaymentData>): CheckIntent {
  const { data: full } = paymentEvent(data) as Extract<WebhookEvent, { type: 'payment.succeeded' }>;
  const { paymentId: _paymentId, ...rest } = full;
  return { ...rest, intentId: uniqueId('int') };
}

export const topup = (amount: number): Partial<PaymentData> => ({ kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount });
export const transfer = (account: string, amount: number, verified = true): Partial<PaymentData> => ({
  kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount, recipientAccount: account, recipientVerified: verified,
});
