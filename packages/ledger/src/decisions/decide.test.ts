import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { RefundPolicy } from '@backstop/contracts';
import { buildFlag } from '../../../../test/support/flags';
import { decide, type DecisionContext } from './decide';
import { tenantDay } from './tenant-day';

const context = (overrides: Omit<Partial<DecisionContext>, 'policy'> & { policy?: Partial<z.input<typeof RefundPolicy>> } = {}): DecisionContext => ({
  delivered: false,
  refundedElsewhere: 0,
  autoRefundedToday: 0,
  ...overrides,
  policy: RefundPolicy.parse({ v: 1, ...overrides.policy }),
});

describe('default policy', () => {
  it('refunds an exact duplicate in full, automatically, revoking the goods first', () => {
    const decision = decide(buildFlag('t', { type: 'duplicate.exact', payment: { amount: 4200, unitPrice: 4200 } }), context());
    expect(decision).toMatchObject({ action: 'auto_refund', status: 'approved', amount: 4200, capturedAmount: 4200, revokeGoodsFirst: true });
  });

  it('never refunds automatically on a flag raised while the detector rebuilt lost state', () => {
    const flag = { ...buildFlag('t', { type: 'duplicate.exact' }), stateRebuilding: true as const };
    const decision = decide(flag, context());
    expect(decision).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(decision?.reason).toContain('rebuilding lost state');
  });

  it('auto-refunds a suspected duplicate only at high severity', () => {
    expect(decide(buildFlag('t', { type: 'duplicate.suspected', severity: 'high' }), context())?.status).toBe('approved');
    expect(decide(buildFlag('t', { type: 'duplicate.suspected', severity: 'medium' }), context())?.status).toBe('pending_review');
  });

  it('sends amount flags to review with "hold delivery" advice', () => {
    for (const type of ['amount.digit_slip', 'amount.outlier'] as const) {
      expect(decide(buildFlag('t', { type }), context())).toMatchObject({ status: 'pending_review', advice: 'hold_delivery' });
    }
  });

  it('sends a near-miss recipient to review with "freeze the recipient\'s balance" advice', () => {
    const decision = decide(buildFlag('t', { type: 'recipient.near_miss', payment: { kind: 'transfer' } }), context());
    expect(decision).toMatchObject({ status: 'pending_review', advice: 'freeze_recipient_balance', revokeGoodsFirst: false });
  });

  it('sends a mis-selected product to review, whatever its confidence: it is a guess about intent', () => {
    const decision = decide(buildFlag('t', { type: 'product.misselected', severity: 'high' }), context());
    expect(decision).toMatchObject({ action: 'review', status: 'pending_review', revokeGoodsFirst: true });
  });

  it('only notifies on a velocity burst: no decision', () => {
    expect(decide(buildFlag('t', { type: 'velocity.burst' }), context())).toBeNull();
  });
});

describe('a user warned by a pre-payment check who confirmed and paid anyway', () => {
  const warned = (coversFlag: boolean) => {
    const flag = buildFlag('t', { type: 'duplicate.exact' });
    const confirmedWarning = { intentId: 'int_1', checkedAt: '2026-11-30T08:00:00.000Z', reasons: ['duplicate.recent_same_order' as const], coversFlag };
    return { ...flag, evidence: { ...flag.evidence, informationFlow: { ...flag.evidence.informationFlow, confirmedWarning } } };
  };

  it('goes to review instead of an automatic refund, saying why in both languages', () => {
    const decision = decide(warned(true), context());
    expect(decision).toMatchObject({ action: 'review', status: 'pending_review', reasonMessage: { key: 'decision.review', params: { because: { key: 'guard.warned_and_confirmed' } } } });
    expect(decision?.reason).toContain('warned the user of this and they confirmed');
  });

  it('is refunded automatically where the tenant says so, or when the warning was about something else', () => {
    expect(decide(warned(true), context({ policy: { whenWarnedAndConfirmed: 'auto_refund' } }))?.status).toBe('approved');
    expect(decide(warned(false), context())?.status).toBe('approved');
  });

  it('is what a shadow decision says would have happened', () => {
    const decision = decide(warned(true), context({ policy: { rules: { 'duplicate.exact': { action: 'shadow' } } } }));
    expect(decision).toMatchObject({ action: 'shadow', shadowAction: 'review', reasonMessage: { params: { because: { key: 'guard.warned_and_confirmed' } } } });
  });
});

describe('amounts', () => {
  it('refunds only the excess of a digit slip when partial refunds are allowed', () => {
    const flag = buildFlag('t', { type: 'amount.digit_slip', payment: { amount: 30000, unitPrice: 3000 }, observed: { intendedAmount: 3000 } });
    expect(decide(flag, context())?.amount).toBe(30000 - 3000);
    expect(decide(flag, context({ policy: { partialRefunds: false } }))?.amount).toBe(30000);
  });

  it('falls back to unit price × quantity for the intended amount', () => {
    const flag = buildFlag('t', { type: 'amount.digit_slip', payment: { amount: 6000, unitPrice: 600, quantity: 1 } });
    expect(decide(flag, context())?.amount).toBe(6000 - 600);
  });

  it('never refunds more than what the platform left unrefunded of the capture', () => {
    const flag = buildFlag('t', { payment: { amount: 5000, unitPrice: 5000 } });
    expect(decide(flag, context({ refundedElsewhere: 1200 }))?.amount).toBe(5000 - 1200);
    expect(decide(flag, context({ refundedElsewhere: 5000 }))).toBeNull();
    expect(decide(flag, context({ refundedElsewhere: 9000 }))).toBeNull();
  });
});

describe('guards on automatic refunds', () => {
  const flag = buildFlag('t', { payment: { amount: 5000, unitPrice: 5000 } });

  it('reviews a refund above the single auto-refund limit', () => {
    expect(decide(flag, context({ policy: { maxAutoRefund: { CNY: 4999 } } }))?.status).toBe('pending_review');
    expect(decide(flag, context({ policy: { maxAutoRefund: { CNY: 4999 } } }))?.reasonMessage).toMatchObject({
      key: 'decision.review',
      params: { because: { key: 'guard.single_limit', params: { amount: { amount: 5000, currency: 'CNY' }, limit: { amount: 4999, currency: 'CNY' } } } },
    });
    expect(decide(flag, context({ policy: { maxAutoRefund: { CNY: 5000 } } }))?.status).toBe('approved');
    expect(decide(flag, context({ policy: { maxAutoRefund: { USD: 1 } } }))?.status).toBe('approved');
  });

  it('reviews a refund that would overrun the daily budget', () => {
    const policy = { dailyAutoBudget: { CNY: 10000 } };
    expect(decide(flag, context({ policy, autoRefundedToday: 5000 }))?.status).toBe('approved');
    expect(decide(flag, context({ policy, autoRefundedToday: 5001 }))?.status).toBe('pending_review');
  });

  it('states limits and budgets as money in the reason, never as raw minor units', () => {
    const overLimit = decide(flag, context({ policy: { maxAutoRefund: { CNY: 4999 } } }))!;
    expect(overLimit.reason).toContain('CN¥50.00 exceeds the single auto-refund limit of CN¥49.99');
    const overBudget = decide(flag, context({ policy: { dailyAutoBudget: { CNY: 10000 } }, autoRefundedToday: 5001 }))!;
    expect(overBudget.reason).toContain("today's auto-refund budget of CN¥100.00 would be exceeded (CN¥50.01 used)");
    const yen = decide(buildFlag('t', { payment: { amount: 5000, unitPrice: 5000, currency: 'JPY' } }), context({ policy: { maxAutoRefund: { JPY: 1000 } } }))!;
    expect(yen.reason).toContain('¥5,000 exceeds the single auto-refund limit of ¥1,000');
  });

  it('turns every automatic refund into a review under the kill switch', () => {
    const decision = decide(flag, context({ policy: { killSwitch: true } }));
    expect(decision).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(decision?.reason).toContain('kill switch');
  });
});

describe('tenant rules', () => {
  it('replace the default for their flag type only', () => {
    const policy = { rules: { 'duplicate.exact': { action: 'review' as const } } };
    expect(decide(buildFlag('t', { type: 'duplicate.exact' }), context({ policy }))?.status).toBe('pending_review');
    expect(decide(buildFlag('t', { type: 'duplicate.suspected', severity: 'high' }), context({ policy }))?.status).toBe('approved');
  });

  it('shadow records what the tried action would have done, guards included', () => {
    const policy = { rules: { 'amount.outlier': { action: 'shadow' as const, trying: 'auto_refund' as const } }, maxAutoRefund: { CNY: 100 } };
    const decision = decide(buildFlag('t', { type: 'amount.outlier' }), context({ policy }));
    expect(decision).toMatchObject({ action: 'shadow', status: 'shadowed', shadowAction: 'review' });
  });
});

describe('product.misselected where the tenant opts in to automatic refunds', () => {
  const optedIn = { rules: { 'product.misselected': { action: 'auto_refund' as const } } };
  const revocable = { rules: { 'product.misselected': { action: 'auto_refund' as const, whenDelivered: 'auto_refund' as const } } };
  const misselected = (severity: 'high' | 'medium' | 'low', observed: Record<string, unknown> = {}) =>
    buildFlag('t', { type: 'product.misselected', severity, observed: { mistakeDeliveredAt: null, ...observed } });

  it('refunds a high-confidence flag on undelivered goods automatically, revoking them first', () => {
    expect(decide(misselected('high'), context({ policy: optedIn }))).toMatchObject({ action: 'auto_refund', status: 'approved', revokeGoodsFirst: true });
  });

  it('reviews anything below high confidence, saying why', () => {
    for (const severity of ['medium', 'low'] as const) {
      const decision = decide(misselected(severity), context({ policy: optedIn }));
      expect(decision).toMatchObject({ action: 'review', status: 'pending_review' });
      expect(decision?.reason).toContain('only at high confidence');
    }
  });

  it('reviews delivered goods unless the policy says they can be revoked, whoever saw the delivery', () => {
    const seenByWorker = decide(misselected('high'), context({ policy: optedIn, delivered: true }));
    expect(seenByWorker).toMatchObject({ status: 'pending_review' });
    expect(seenByWorker?.reason).toContain('delivered');
    const seenByDetector = misselected('high', { mistakeDeliveredAt: '2026-03-01T12:00:30.000Z' });
    expect(decide(seenByDetector, context({ policy: optedIn }))).toMatchObject({ status: 'pending_review' });
    expect(decide(seenByDetector, context({ policy: revocable }))).toMatchObject({ action: 'auto_refund', revokeGoodsFirst: true });
    expect(decide(misselected('medium'), context({ policy: revocable, delivered: true }))).toMatchObject({ status: 'pending_review' });
  });

  it('keeps the same guards in shadow mode: it records what the opted-in rule would have done', () => {
    const shadow = { rules: { 'product.misselected': { action: 'shadow' as const, trying: 'auto_refund' as const } } };
    expect(decide(misselected('high'), context({ policy: shadow }))).toMatchObject({ status: 'shadowed', shadowAction: 'auto_refund' });
    expect(decide(misselected('medium'), context({ policy: shadow }))).toMatchObject({ status: 'shadowed', shadowAction: 'review' });
  });
});

describe('tenantDay', () => {
  it('is the calendar day in the tenant\'s zone', () => {
    const at = new Date('2026-11-25T17:30:00Z');
    expect(tenantDay(at, 'Asia/Shanghai')).toBe('2026-11-26');
    expect(tenantDay(at, 'UTC')).toBe('2026-11-25');
  });
});
