import { describe, expect, it } from 'vitest';
import type { Evidence, PaymentSnapshot } from '@backstop/contracts';
import { lifecycle, sameOrderPayments } from './payer-case';

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
