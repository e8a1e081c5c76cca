import { examplePaymentTerms, type PaymentData } from '@backstop/contracts';

/**
 * One card bought for the buyer's own game account, ¥30.00 by Alipay: the payment every
 * hand-written example starts from, `id` naming its payment, order and payer.
 */
export function examplePaymentData(id: string, overrides: Partial<PaymentData> = {}): PaymentData {
  return {
    paymentId: `pay_${id}`,
    orderId: `ord_${id}`,
    payerId: `u_${id}`,
    merchantId: 'm_cardshop',
    kind: 'purchase',
    sku: 'genshin-welkin-30d',
    category: 'game-card',
    ...examplePaymentTerms,
    ...overrides,
  };
}
