import type { PaymentData } from './payment-event';

/**
 * How the example purchase is paid: one card at ¥30.00 by Alipay, for a verified game account.
 * Kept here, beside the contract, so the documented check and the test kit's example payment
 * (which a service may not import) share the same payment terms.
 */
export const examplePaymentTerms = {
  quantity: 1,
  unitPrice: 3000,
  amount: 3000,
  currency: 'CNY',
  recipientAccount: '8000123456',
  recipientVerified: true,
  channel: 'alipay',
} satisfies Partial<PaymentData>;
