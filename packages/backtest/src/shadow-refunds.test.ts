import { describe, expect, it } from 'vitest';
import { RefundPolicy } from '@backstop/contracts';
import { buildFlag } from '../../../test/support/flags';
import { ShadowRefunds } from './shadow-refunds';

const policy = RefundPolicy.parse({ v: 1, dailyAutoBudget: { CNY: 5_000 } });
const duplicate = (paymentId: string, amount: number, receivedAt: string) =>
  ({ ...buildFlag('shop', { type: 'duplicate.exact', payment: { paymentId, amount, unitPrice: amount } }), receivedAt });

describe('the refund policy in shadow', () => {
  it('decides a charge once, however many flags it gets', () => {
    const refunds = new ShadowRefunds('shop', policy, 'UTC');
    const first = duplicate('p1', 1_000, '2026-11-30T08:00:00.000Z');
    const again = { ...first, flagId: 'flg_00000000000000000000000000000002' };
    expect(refunds.decide([first]).map((d) => [d.paymentId, d.action])).toEqual([['p1', 'auto_refund']]);
    expect(refunds.decide([again])).toEqual([]);
  });

  it("spends each day's auto-refund budget on the day of receipt, in the tenant's time zone", () => {
    const refunds = new ShadowRefunds('shop', policy, 'Asia/Shanghai');
    const decided = refunds.decide([
      duplicate('p1', 4_000, '2026-11-30T10:00:00.000Z'),
      duplicate('p2', 2_000, '2026-11-30T12:00:00.000Z'),
      // 16:30 UTC is already the next day in Shanghai: a fresh budget.
      duplicate('p3', 2_000, '2026-11-30T16:30:00.000Z'),
    ]);
    expect(decided.map((d) => [d.paymentId, d.action])).toEqual([['p1', 'auto_refund'], ['p2', 'review'], ['p3', 'auto_refund']]);
  });
});
