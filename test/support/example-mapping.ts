import type { SourceMapping } from '../../services/ingest/src/source/mapping';

/** A platform's own record layout, as the tests map it: nested ids, amounts in fen, time in epoch ms. */
export const exampleMapping: SourceMapping = {
  id: 'eventNo',
  type: { const: 'payment.succeeded' },
  occurredAt: { from: 'paidAtMs', as: 'epoch-ms' },
  'data.paymentId': 'payment.no',
  'data.orderId': 'order.no',
  'data.payerId': { from: 'user.uid', as: 'string' },
  'data.merchantId': { const: 'm_self' },
  'data.kind': { const: 'purchase' },
  'data.amount': { from: 'payment.fen', as: 'integer' },
  'data.currency': { const: 'CNY' },
};
