import { describe, expect, it } from 'vitest';
import { defaultRulesConfig } from '@backstop/contracts';
import { duplicateExact } from './duplicate-exact';
import { duplicateSuspected } from './duplicate-suspected';
import { contextFor, payment } from './rule-fixtures';

const exact = defaultRulesConfig['duplicate.exact'];
const suspected = defaultRulesConfig['duplicate.suspected'];

describe('duplicate.exact', () => {
  it('flags the later of two payments of one order, with both in the evidence', () => {
    const first = payment(0, { orderId: 'ord_x' });
    const second = payment(2, { orderId: 'ord_x' });
    const [finding, ...rest] = duplicateExact.evaluate(contextFor(second, [first]), exact);
    expect(rest).toEqual([]);
    expect(finding!.flagged.paymentId).toBe(second.paymentId);
    expect(finding!.involved.map((p) => p.paymentId)).toEqual([first.paymentId, second.paymentId]);
    expect(finding!.informationFlow.observed).toMatchObject({ paidTotal: 6000, overpaid: 3000 });
  });

  it('leaves split payments that add up to the order amount alone', () => {
    const first = payment(0, { orderId: 'ord_split', amount: 1000, orderAmount: 3000 });
    const second = payment(5, { orderId: 'ord_split', amount: 2000, orderAmount: 3000 });
    expect(duplicateExact.evaluate(contextFor(second, [first]), exact)).toEqual([]);
  });

  it('flags the later payment even when it arrives first', () => {
    const later = payment(10, { orderId: 'ord_late' });
    const earlier = payment(0, { orderId: 'ord_late' });
    const [finding] = duplicateExact.evaluate(contextFor(earlier, [later]), exact);
    expect(finding!.flagged.paymentId).toBe(later.paymentId);
  });
});

describe('duplicate.suspected', () => {
  it('flags the same purchase under a new order seconds later as high severity', () => {
    const first = payment(0);
    const second = payment(4);
    const [finding, ...rest] = duplicateSuspected.evaluate(contextFor(second, [first]), suspected);
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ severity: 'high', flagged: { paymentId: second.paymentId } });
    expect(finding!.informationFlow.observed).toMatchObject({ gapSeconds: 4 });
  });

  it('grades severity by the gap', () => {
    const first = payment(0);
    expect(duplicateSuspected.evaluate(contextFor(payment(45), [first]), suspected)[0]!.severity).toBe('medium');
    expect(duplicateSuspected.evaluate(contextFor(payment(100), [first]), suspected)[0]!.severity).toBe('low');
  });

  it('stays silent for a deliberate repeat minutes later, a gift to another account, another sku or amount', () => {
    const first = payment(0);
    expect(duplicateSuspected.evaluate(contextFor(payment(300), [first]), suspected)).toEqual([]);
    expect(duplicateSuspected.evaluate(contextFor(payment(3, { recipientAccount: '8000999999' }), [first]), suspected)).toEqual([]);
    expect(duplicateSuspected.evaluate(contextFor(payment(3, { sku: 'welkin-90d' }), [first]), suspected)).toEqual([]);
    expect(duplicateSuspected.evaluate(contextFor(payment(3, { amount: 6800, unitPrice: 6800 }), [first]), suspected)).toEqual([]);
  });

  it('treats the same payment id reported twice as one charge', () => {
    const first = payment(0);
    const again = { ...first, eventId: 'evt_other' };
    expect(duplicateSuspected.evaluate(contextFor(again, [first]), suspected)).toEqual([]);
  });

  it('matches by sku alone where there is no recipient', () => {
    const first = payment(0, { recipientAccount: undefined });
    const second = payment(8, { recipientAccount: undefined });
    expect(duplicateSuspected.evaluate(contextFor(second, [first]), suspected)).toHaveLength(1);
  });

  it('flags the later payment when the earlier one arrives late, but not one already matched', () => {
    const later = payment(20);
    const earliest = payment(0);
    const [finding] = duplicateSuspected.evaluate(contextFor(earliest, [later]), suspected);
    expect(finding!.flagged.paymentId).toBe(later.paymentId);

    const middle = payment(10);
    expect(duplicateSuspected.evaluate(contextFor(payment(1), [middle, later]), suspected).map((f) => f.flagged.paymentId)).toEqual([middle.paymentId]);
  });
});
