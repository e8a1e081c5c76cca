import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRulesConfig, type PaymentSnapshot } from '@backstop/contracts';
import { buildFlag } from '../flag-builder';
import { digitSlip } from './digit-slip';
import { contextFor, payment } from './rule-fixtures';

const settings = defaultRulesConfig['amount.digit_slip'];
/** Usual top-ups of 100 and 200, and slips of them: ten times, a tenth. */
const AMOUNTS = [10000, 10000, 20000, 20000, 100000, 200000, 1000];

// A top-up carries its amount as its unit price, so only the payer's own history shows a slip.
const topups = fc
  .uniqueArray(fc.record({ at: fc.integer({ min: 0, max: 10_000 }), amount: fc.constantFrom(...AMOUNTS) }), { minLength: 2, maxLength: 8, selector: (t) => t.at })
  .map((list) => list.map(({ at, amount }) => payment(at, { kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount })));

/** Feeds payments one by one as they arrive, each judged against those that arrived before it: flagged payment id -> flag ids. */
function flagsInArrivalOrder(arrivals: PaymentSnapshot[]): Map<string, Set<string>> {
  const flagged = new Map<string, Set<string>>();
  arrivals.forEach((current, index) => {
    for (const finding of digitSlip.evaluate(contextFor(current, arrivals.slice(0, index)), settings)) {
      const ids = flagged.get(finding.flagged.paymentId) ?? new Set<string>();
      ids.add(buildFlag('cardshop', finding, current.occurredAt, current.occurredAt).flagId);
      flagged.set(finding.flagged.paymentId, ids);
    }
  });
  return flagged;
}

const byTime = (payments: PaymentSnapshot[]) => [...payments].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
const shuffledWith = fc.constant(null).chain(() => topups).chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })));

describe('amount.digit_slip under any order of arrival', () => {
  it('misses nothing that arrival in event-time order would flag, and flags each slip under one id', () => {
    fc.assert(
      fc.property(shuffledWith, ([list, arrivals]) => {
        const inOrder = flagsInArrivalOrder(byTime(list));
        const shuffled = flagsInArrivalOrder(arrivals);
        for (const [paymentId, ids] of inOrder) expect(shuffled.get(paymentId)).toEqual(ids);
        for (const ids of shuffled.values()) expect(ids.size).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
