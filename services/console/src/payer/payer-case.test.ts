import { describe, expect, it } from 'vitest';
import type { Evidence, PaymentSnapshot } from '@backstop/contracts';
import { declineOf, lifecycle, sameOrderPayments } from './payer-case';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 26, 2, minute));
const base = { flagged_at: at(1), created_at: at(2), approved_at: null, sent_at: null, confirmed_at: null, updated_at: at(2) };
const steps = (row: Parameters<typeof lifecycle>[0]) => lifecycle(row).map((step) => `${step.stage}:${step.state}${step.at ? '@' : ''}`);

describe('the lifecycle a payer follows', () => {
  it('goes from detected through review to a confirmed refund', () => {
    expect(steps({ ...base, action: 'review', status: 'pending_review' })).toEqual(['detected:done@', 'review:current@', 'refund_sent:upcoming', 'refund_confirmed:upcoming']);
    expect(steps({ ...base, action: 'review', status: 'sent', approved_at: at(5), sent_at: at(6) })).toEqual(['detected:done@', 'review:done@', 'refund_sent:current@', 'refund_confirmed:upcoming']);
    expect(steps({ ...base, action: 'auto_refund', status: 'succeeded', approved_at: at(2), sent_at: at(2), confirmed_at: at(9) })).toEqual(['detected:done@', 'refund_sent:done@', 'refund_confirmed:done@']);
  });

  it('ends declined or failed when the refund does not happen', () => {
    expect(steps({ ...base, action: 'review', status: 'rejected', updated_at: at(7) })).toEqual(['detected:done@', 'review:done@', 'declined:done@']);
    expect(steps({ ...base, action: 'auto_refund', status: 'failed', approved_at: at(2), confirmed_at: at(8) })).toEqual(['detected:done@', 'refund_sent:done@', 'refund_failed:done@']);
  });
});

describe('the payments a payer is shown', () => {
  it('are those of the flagged order only, oldest first', () => {
    const payment = { paymentId: 'pay_2', orderId: 'ord_1', amount: 3000, currency: 'CNY', occurredAt: '2026-11-26T02:03:00Z' } as PaymentSnapshot;
    const evidence = {
      fundFlow: [
        { paymentId: 'pay_9', amount: 99, currency: 'CNY', occurredAt: '2026-11-20T00:00:00Z' },
        { paymentId: 'pay_2', amount: 3000, currency: 'CNY', occurredAt: '2026-11-26T02:03:00Z' },
        { paymentId: 'pay_1', amount: 3000, currency: 'CNY', occurredAt: '2026-11-26T02:02:00Z' },
      ],
      orderFlow: [{ orderId: 'ord_1', paymentId: 'pay_1' }, { orderId: 'ord_1', paymentId: 'pay_2' }, { orderId: 'ord_other', paymentId: 'pay_9' }],
    } as Evidence;
    expect(sameOrderPayments(payment, evidence).map((p) => p.paymentId)).toEqual(['pay_1', 'pay_2']);
    expect(sameOrderPayments(payment, { ...evidence, fundFlow: [] }).map((p) => p.paymentId)).toEqual(['pay_2']);
  });
});

describe('why a payer got no refund', () => {
  const decided = { flagType: 'duplicate.exact', paymentId: 'pay_2', orderId: 'ord_1' } as const;
  const reviewedBecause = (because?: object) => ({ key: 'decision.review', params: { ...decided, ...(because ? { because } : {}) } });
  const rejected = { status: 'rejected', reason_message: reviewedBecause(), false_positive: false, refunded_elsewhere: false, answer: null } as const;
  const money = { amount: 90000, currency: 'CNY' };

  it('is the provider\'s refusal for a failed refund, and nothing while the refund may still come', () => {
    expect(declineOf({ ...rejected, status: 'failed' })).toBe('provider_refused');
    for (const status of ['pending_review', 'approved', 'sent', 'succeeded'] as const) expect(declineOf({ ...rejected, status })).toBeUndefined();
  });

  it('puts money already given back, then the payer\'s answer, then the reviewer\'s judgement first', () => {
    const everything = { ...rejected, refunded_elsewhere: true, answer: 'intended', false_positive: true, reason_message: reviewedBecause({ key: 'guard.delivered_not_revocable', params: {} }) } as const;
    expect(declineOf(everything)).toBe('refunded_elsewhere');
    expect(declineOf({ ...everything, refunded_elsewhere: false })).toBe('payer_said_intended');
    expect(declineOf({ ...everything, refunded_elsewhere: false, answer: 'mistake' })).toBe('judged_intended');
    expect(declineOf({ ...everything, refunded_elsewhere: false, answer: null, false_positive: false })).toBe('goods_delivered');
  });

  it('tells why the payment went to review when that is the payer\'s to know, and a plain decline otherwise', () => {
    const because = (guard: object) => declineOf({ ...rejected, reason_message: reviewedBecause(guard) });
    expect(because({ key: 'guard.warned_and_confirmed', params: {} })).toBe('warned_before_paying');
    expect(because({ key: 'guard.delivered_not_revocable', params: {} })).toBe('goods_delivered');
    expect(because({ key: 'guard.single_limit', params: { amount: money, limit: money } })).toBe('over_auto_limit');
    expect(because({ key: 'guard.daily_budget', params: { budget: money, used: money } })).toBe('shop_declined');
    expect(because({ key: 'guard.kill_switch', params: {} })).toBe('shop_declined');
    expect(because({ key: 'guard.state_rebuilding', params: {} })).toBe('shop_declined');
    expect(because({ key: 'guard.intent_not_certain', params: { severity: 'medium', confidence: 0.7 } })).toBe('shop_declined');
    expect(declineOf(rejected)).toBe('shop_declined');
    // A reason written before reason messages existed, or one that no longer parses.
    expect(declineOf({ ...rejected, reason_message: null })).toBe('shop_declined');
    expect(declineOf({ ...rejected, reason_message: { key: 'decision.review', params: { because: 'free text' } } })).toBe('shop_declined');
  });
});
