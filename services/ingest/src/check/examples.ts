import { examplePaymentTerms, type CheckAnswer, type CheckIntent } from '@backstop/contracts';

/**
 * The documented example of a check: the intent and the answer it gets when the same order
 * was paid 8 seconds before. The OpenAPI document shows them, docs/integration.md quotes
 * them, and a test runs the intent against state built by the real detector and compares.
 */
export const exampleIntent: CheckIntent = {
  intentId: 'int_7f3a9d',
  orderId: 'ord_1001',
  payerId: '王小明',
  merchantId: 'm_cardshop',
  kind: 'purchase',
  sku: '腾讯Q币-100',
  category: '游戏点卡',
  ...examplePaymentTerms,
};

/** The payment of the same order the example's payer made 8 seconds earlier. */
export const examplePaidPaymentId = 'pay_7f3a9c';

export const exampleAnswer: CheckAnswer = {
  intentId: 'int_7f3a9d',
  verdict: 'confirm',
  reasons: [
    {
      code: 'duplicate.recent_same_order',
      evidence: {
        orderId: 'ord_1001',
        earlierPayments: [{ paymentId: 'pay_7f3a9c', orderId: 'ord_1001', amount: 3000, currency: 'CNY', occurredAt: '2026-11-30T08:00:00.000Z', sku: '腾讯Q币-100' }],
        paidSoFar: 3000,
        orderAmount: 3000,
        currency: 'CNY',
        secondsAgo: 8,
      },
      message: {
        en: 'You paid CN¥30.00 for this order 8 seconds ago. Pay again?',
        zh: '你 8 秒前已为该订单支付 ¥30.00，确定再次支付？',
      },
    },
  ],
  degraded: false,
};
