import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRulesConfig, type PaymentSnapshot } from '@backstop/contracts';
import { recipientNearMiss } from './recipient-near-miss';
import { contextFor, payment } from './rule-fixtures';

const settings = defaultRulesConfig['recipient.near_miss'];
/** Accounts one edit apart in several ways, and one far from all of them. */
const ACCOUNTS = ['6217001234', '6217001235', '6217001243', '621700123', '6230559871'];

const transfers = fc
  .uniqueArray(fc.record({ at: fc.integer({ min: 0, max: 10_000 }), account: fc.constantFrom(...ACCOUNTS), verified: fc.boolean() }), { minLength: 2, maxLength: 7, selector: (t) => t.at })
  .map((list) => list.map(({ at, account, verified }) => payment(at, { kind: 'transfer', sku: undefined, category: undefined, unitPrice: undefined, amount: 20000, recipientAccount: account, recipientVerified: verified })));

/** Feeds payments one by one as they arrive, each judged against those that arrived before it; flagged payment id -> what had arrived when it was flagged. */
function flagsInArrivalOrder(arrivals: PaymentSnapshot[]): Map<string, PaymentSnapshot[]> {
  const flagged = new Map<string, PaymentSnapshot[]>();
  arrivals.forEach((current, index) => {
    for (const finding of recipientNearMiss.evaluate(contextFor(current, arrivals.slice(0, index)), settings)) {
      if (!flagged.has(finding.flagged.paymentId)) flagged.set(finding.flagged.paymentId, arrivals.slice(0, index + 1));
    }
  });
  return flagged;
}
const flaggedInArrivalOrder = (arrivals: PaymentSnapshot[]) => new Set(flagsInArrivalOrder(arrivals).keys());

const byTime = (payments: PaymentSnapshot[]) => [...payments].sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));

describe('recipient.near_miss under any order of arrival', () => {
  it('misses nothing that arrival in event-time order would flag', () => {
    fc.assert(
      fc.property(transfers.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }))), ([list, arrivals]) => {
        const inOrder = flaggedInArrivalOrder(byTime(list));
        const shuffled = flaggedInArrivalOrder(arrivals);
        for (const id of inOrder) expect(shuffled.has(id)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('flags only first payments to an account: in event time when they arrive in order, among what had arrived otherwise', () => {
    const firstTo = (payments: PaymentSnapshot[], account: string | undefined) => byTime(payments).find((p) => p.recipientAccount === account)!.paymentId;
    fc.assert(
      fc.property(transfers.chain((list) => fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length })), (arrivals) => {
        for (const id of flaggedInArrivalOrder(byTime(arrivals))) {
          expect(firstTo(arrivals, arrivals.find((p) => p.paymentId === id)!.recipientAccount)).toBe(id);
        }
        // Out of order, a payment that was the first one known to its account when it was judged
        // may turn out not to be the first in event time: a flag is never taken back.
        for (const [id, known] of flagsInArrivalOrder(arrivals)) {
          expect(firstTo(known, known.find((p) => p.paymentId === id)!.recipientAccount)).toBe(id);
        }
      }),
      { numRuns: 500 },
    );
  });
});
