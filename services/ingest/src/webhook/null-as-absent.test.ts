import { describe, expect, it } from 'vitest';
import { CheckIntent, PaymentSucceeded, WebhookEvent } from '@backstop/contracts';
import { withoutNullOptionals } from './null-as-absent';

const payment = {
  id: 'evt_1', type: 'payment.succeeded', occurredAt: '2026-12-02T08:00:00+08:00',
  data: { paymentId: 'pay_1', orderId: 'ord_1', payerId: '张三', merchantId: 'm_1', kind: 'transfer', amount: 3000, currency: 'CNY' },
};

describe('withoutNullOptionals', () => {
  it('leaves out every optional field sent as null, nested ones too, and keeps everything else as sent', () => {
    const sent = { ...payment, data: { ...payment.data, sku: null, category: null, unitPrice: null, quantity: null, recipientAccount: '5123456789', recipientVerified: null, channel: null } };
    const cleaned = withoutNullOptionals(sent, PaymentSucceeded) as typeof payment;
    expect(cleaned).toEqual({ ...payment, data: { ...payment.data, recipientAccount: '5123456789' } });
    expect(PaymentSucceeded.parse(cleaned).data.quantity).toBe(1);
    expect(sent.data.sku).toBeNull();
  });

  it('keeps a required field sent as null, for the contract to refuse it', () => {
    const sent = { ...payment, data: { ...payment.data, orderId: null, sku: null } };
    const cleaned = withoutNullOptionals(sent, PaymentSucceeded) as { data: Record<string, unknown> };
    expect(cleaned.data).toHaveProperty('orderId', null);
    expect(cleaned.data).not.toHaveProperty('sku');
    expect(PaymentSucceeded.safeParse(cleaned).success).toBe(false);
  });

  it('returns the very value when there is nothing to leave out, and leaves unknown fields and non-objects alone', () => {
    expect(withoutNullOptionals(payment, PaymentSucceeded)).toBe(payment);
    const unknown = { ...payment, livemode: null };
    expect(withoutNullOptionals(unknown, PaymentSucceeded)).toBe(unknown);
    for (const value of [null, 'text', 3, [payment]]) expect(withoutNullOptionals(value, PaymentSucceeded)).toBe(value);
  });

  it('reads an event of the union as the option its type names, and leaves one of no known type alone', () => {
    const delivered = { id: 'evt_2', type: 'order.delivered', occurredAt: payment.occurredAt, data: { orderId: 'ord_1', payerId: '张三', paymentId: null } };
    expect(withoutNullOptionals(delivered, WebhookEvent)).toEqual({ ...delivered, data: { orderId: 'ord_1', payerId: '张三' } });
    expect(withoutNullOptionals({ ...payment, data: { ...payment.data, sku: null } }, WebhookEvent)).toEqual(payment);
    const unknownType = { ...payment, type: 'payment.pending', data: { ...payment.data, sku: null } };
    expect(withoutNullOptionals(unknownType, WebhookEvent)).toBe(unknownType);
  });

  it('reads a check the same way', () => {
    const { paymentId: _paymentId, ...intent } = { ...payment.data, intentId: 'int_1' };
    expect(CheckIntent.safeParse(withoutNullOptionals({ ...intent, sku: null, orderAmount: null }, CheckIntent)).success).toBe(true);
  });
});
