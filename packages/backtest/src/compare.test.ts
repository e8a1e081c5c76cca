import { describe, expect, it } from 'vitest';
import type { FlagType } from '@backstop/contracts';
import { compareRuns } from './compare';
import type { ProductionDecision, ProductionFlag } from './production';
import type { ShadowDecision } from './shadow-refunds';

const flag = (flagId: string, type: FlagType, paymentId: string, amount = 1000, currency = 'CNY'): ProductionFlag => ({
  flagId, type, severity: 'medium', paymentId, payerId: `u_${paymentId}`, amount, currency, receivedAt: '2026-11-30T08:00:00.000Z',
});
const decided = (paymentId: string, action: ProductionDecision['action'], amount: number, label: ProductionDecision['label'] = null, currency = 'CNY'): ProductionDecision => ({
  paymentId, action, amount, currency, label,
});
const shadow = (paymentId: string, action: ShadowDecision['action'], amount: number, currency = 'CNY'): ShadowDecision => ({
  paymentId, flagId: `flg_${paymentId}`, action, status: action === 'auto_refund' ? 'approved' : 'pending_review', amount, currency,
});
const rule = (comparison: ReturnType<typeof compareRuns>, type: FlagType) => comparison.rules.find((r) => r.rule === type)!;

describe('comparing a candidate run with production', () => {
  it('finds nothing when both sides flagged and decided the same', () => {
    const flags = [flag('f1', 'duplicate.exact', 'p1'), flag('f2', 'amount.outlier', 'p2')];
    const comparison = compareRuns(
      { flags, decisions: new Map([['p1', decided('p1', 'auto_refund', 1000)]]) },
      { flags, decisions: [shadow('p1', 'auto_refund', 1000)] },
    );
    expect(comparison.rules.every((r) => r.added === 0 && r.removed === 0)).toBe(true);
    expect(comparison.decisions).toEqual({ changed: 0, changes: [] });
    expect(comparison.autoRefunded).toEqual([{ currency: 'CNY', production: 1000, candidate: 1000, added: 0, removed: 0 }]);
  });

  it('counts flags added and removed per rule by flag id, with examples', () => {
    const comparison = compareRuns(
      { flags: [flag('f1', 'duplicate.suspected', 'p1'), flag('f2', 'duplicate.suspected', 'p2')], decisions: new Map() },
      { flags: [flag('f2', 'duplicate.suspected', 'p2'), flag('f3', 'duplicate.suspected', 'p3'), flag('f4', 'velocity.burst', 'p4')], decisions: [] },
    );
    expect(rule(comparison, 'duplicate.suspected')).toMatchObject({ production: 2, candidate: 2, added: 1, removed: 1 });
    expect(rule(comparison, 'duplicate.suspected').addedExamples.map((e) => e.paymentId)).toEqual(['p3']);
    expect(rule(comparison, 'duplicate.suspected').removedExamples.map((e) => e.paymentId)).toEqual(['p1']);
    expect(rule(comparison, 'velocity.burst')).toMatchObject({ production: 0, candidate: 1, added: 1, removed: 0 });
  });

  it('adds and removes money refunded without a person per currency, partial amounts included', () => {
    const comparison = compareRuns(
      {
        flags: [],
        decisions: new Map([
          ['p1', decided('p1', 'auto_refund', 5000)],
          ['p2', decided('p2', 'review', 3000)],
          ['p3', decided('p3', 'auto_refund', 900, null, 'JPY')],
          ['p4', decided('p4', 'auto_refund', 8000)],
        ]),
      },
      { flags: [], decisions: [shadow('p1', 'review', 5000), shadow('p2', 'auto_refund', 3000), shadow('p3', 'auto_refund', 900, 'JPY'), shadow('p4', 'auto_refund', 6000)] },
    );
    expect(comparison.autoRefunded).toEqual([
      { currency: 'CNY', production: 13_000, candidate: 9_000, added: 3_000, removed: 7_000 },
      { currency: 'JPY', production: 900, candidate: 900, added: 0, removed: 0 },
    ]);
    expect(comparison.decisions.changed).toBe(3);
    expect(comparison.decisions.changes.map((c) => [c.from, c.to, c.charges])).toEqual([
      ['auto_refund', 'auto_refund', 1], ['auto_refund', 'review', 1], ['review', 'auto_refund', 1],
    ]);
  });

  it("takes a charge's last shadow decision: a real decision replaces a shadow one", () => {
    const comparison = compareRuns({ flags: [], decisions: new Map() }, { flags: [], decisions: [shadow('p1', 'shadow', 100), shadow('p1', 'auto_refund', 100)] });
    expect(comparison.decisions.changes).toEqual([expect.objectContaining({ from: 'none', to: 'auto_refund', charges: 1 })]);
  });

  it("measures each rule's precision on charges a reviewer judged: approved confirms, rejected and false positive deny", () => {
    const production = {
      flags: [flag('a', 'duplicate.suspected', 'p1'), flag('b', 'duplicate.suspected', 'p2'), flag('c', 'duplicate.suspected', 'p3'), flag('d', 'duplicate.suspected', 'p4')],
      decisions: new Map([
        ['p1', decided('p1', 'review', 1, 'approved')],
        ['p2', decided('p2', 'review', 1, 'rejected')],
        ['p3', decided('p3', 'review', 1, 'false_positive')],
        ['p4', decided('p4', 'auto_refund', 1)],
      ]),
    };
    const comparison = compareRuns(production, { flags: [flag('a', 'duplicate.suspected', 'p1'), flag('d', 'duplicate.suspected', 'p4')], decisions: [] });
    expect(comparison.labels).toEqual({ approved: 1, rejected: 1, falsePositive: 1 });
    expect(comparison.precision.find((p) => p.rule === 'duplicate.suspected')).toEqual({
      rule: 'duplicate.suspected',
      before: { reviewed: 3, confirmed: 1, precision: 1 / 3 },
      after: { reviewed: 1, confirmed: 1, precision: 1 },
    });
    expect(comparison.precision.find((p) => p.rule === 'velocity.burst')!.before.precision).toBeNull();
  });
});
