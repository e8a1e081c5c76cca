import { describe, expect, it } from 'vitest';
import { amountMismatch, orderedAmount } from './payment-event';

describe('the price of a payment', () => {
  it('is its amount, or on a part of a split order the order\'s total', () => {
    expect(orderedAmount({ amount: 3000, quantity: 1 })).toBe(3000);
    expect(orderedAmount({ amount: 1000, orderAmount: 10000, quantity: 1 })).toBe(10000);
    expect(orderedAmount({ amount: 30000, orderAmount: 3000, quantity: 1 })).toBe(30000);
  });

  it('matches unitPrice × quantity when either the part or the order is listed at it', () => {
    expect(amountMismatch({ amount: 30000, unitPrice: 1000, quantity: 3 })).toBe(true);
    expect(amountMismatch({ amount: 3000, unitPrice: 1000, quantity: 3 })).toBe(false);
    expect(amountMismatch({ amount: 1000, orderAmount: 10000, unitPrice: 10000, quantity: 1 })).toBe(false);
    expect(amountMismatch({ amount: 1000, orderAmount: 10000, unitPrice: 1000, quantity: 1 })).toBe(false);
    expect(amountMismatch({ amount: 1000, orderAmount: 10000, unitPrice: 5000, quantity: 1 })).toBe(true);
    expect(amountMismatch({ amount: 1000, quantity: 1 })).toBe(false);
  });
});
