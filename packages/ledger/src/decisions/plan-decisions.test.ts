import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { RefundPolicy } from '@backstop/contracts';
import { buildFlag } from '../../../../test/support/flags';
import { noFacts, type ChargeFacts } from './charge-facts';
import { planDecisions, type TenantContext } from './plan-decisions';

const tenant = (policy: Partial<z.input<typeof RefundPolicy>> = {}): TenantContext => ({ day: '2026-11-26', policy: RefundPolicy.parse({ v: 1, ...policy }) });
const ids = () => {
  let n = 0;
  return () => `00000000-0000-4000-8000-${String((n += 1)).padStart(12, '0')}`;
};
const facts = (overrides: Partial<ChargeFacts> = {}): ChargeFacts => ({ ...noFacts(), ...overrides });

describe('planning a batch of flags in memory', () => {
  it('decides each charge once: the first real decision wins, later flags on the charge stay evidence', () => {
    const duplicate = buildFlag('t', { type: 'duplicate.exact' });
    const outlier = buildFlag('t', { type: 'amount.outlier', payment: duplicate.payment });
    const other = buildFlag('t', { type: 'amount.outlier' });
    const { planned } = planDecisions([duplicate, outlier, other], new Map([['t', tenant()]]), facts(), ids());
    expect(planned.map((p) => [p.flag.flagId, p.decision.status, p.replacesShadow])).toEqual([
      [duplicate.flagId, 'approved', false],
      [other.flagId, 'pending_review', false],
    ]);
  });

  it('lets a real decision take the place of a shadow one, in the batch or stored, keeping the stored id', () => {
    const shadowing = tenant({ rules: { 'amount.outlier': { action: 'shadow', trying: 'auto_refund' } } });
    const outlier = buildFlag('t', { type: 'amount.outlier' });
    const duplicate = buildFlag('t', { type: 'duplicate.exact', payment: outlier.payment });
    const inBatch = planDecisions([outlier, duplicate], new Map([['t', shadowing]]), facts(), ids());
    expect(inBatch.planned).toMatchObject([{ flag: { flagId: duplicate.flagId }, decision: { status: 'approved' }, replacesShadow: false }]);

    const storedShadow = facts({ decided: new Map([[`t\u0000${outlier.payment.paymentId}`, { decisionId: 'stored-id', status: 'shadowed' }]]) });
    const later = planDecisions([duplicate], new Map([['t', shadowing]]), storedShadow, ids());
    expect(later.planned).toMatchObject([{ decisionId: 'stored-id', decision: { status: 'approved' }, replacesShadow: true }]);

    const storedReal = facts({ decided: new Map([[`t\u0000${outlier.payment.paymentId}`, { decisionId: 'stored-id', status: 'pending_review' }]]) });
    expect(planDecisions([duplicate], new Map([['t', shadowing]]), storedReal, ids()).planned).toEqual([]);
  });

  it('counts approvals against the daily budget as the batch goes, and reports the usage it read', () => {
    const budgeted = tenant({ dailyAutoBudget: { CNY: 10_000 } });
    const flags = [4_000, 4_000, 4_000].map((amount) => buildFlag('t', { type: 'duplicate.exact', payment: { amount, unitPrice: amount } }));
    const plan = planDecisions(flags, new Map([['t', budgeted]]), facts({ autoRefundedToday: new Map([['t\u0000CNY', 1_000]]) }), ids());
    expect(plan.planned.map((p) => p.decision.status)).toEqual(['approved', 'approved', 'pending_review']);
    expect(plan.budgetsRead).toEqual(new Map([['t\u0000CNY', { tenantId: 't', currency: 'CNY', used: 1_000 }]]));
  });

  it('reports no budget read when the tenant has none in the currency', () => {
    const plan = planDecisions([buildFlag('t')], new Map([['t', tenant({ dailyAutoBudget: { USD: 10_000 } })]]), facts(), ids());
    expect(plan.planned).toHaveLength(1);
    expect(plan.budgetsRead.size).toBe(0);
  });

  it('refunds only what the platform has not refunded itself, and reviews a delivered misselection', () => {
    const flag = buildFlag('t', { type: 'duplicate.exact', payment: { amount: 3_000 } });
    const partlyRefunded = facts({ refundedElsewhere: new Map([[`t\u0000${flag.payment.paymentId}`, 1_000]]) });
    expect(planDecisions([flag], new Map([['t', tenant()]]), partlyRefunded, ids()).planned[0]?.decision.amount).toBe(2_000);

    const misselected = buildFlag('t', { type: 'product.misselected' });
    const delivered = facts({ delivered: new Set([`t\u0000${misselected.payment.orderId}`]) });
    expect(planDecisions([misselected], new Map([['t', tenant()]]), delivered, ids()).planned[0]?.decision.status).toBe('pending_review');
  });

  it('skips flags of tenants it was not given', () => {
    expect(planDecisions([buildFlag('unknown')], new Map([['t', tenant()]]), facts(), ids()).planned).toEqual([]);
  });
});
