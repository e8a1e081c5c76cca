import { describe, expect, it } from 'vitest';
import type { CheckIntent } from '@backstop/contracts';
import type { CheckOutcome, PaymentCheck } from '@backstop/detection';
import { BoundedCheck } from './bounded-check';

/** Checks whose answers arrive when the test says so: the deadline and the shedding are pure logic. */
function heldChecks() {
  const pending: ((outcome: CheckOutcome) => void)[] = [];
  const check = { check: () => new Promise<CheckOutcome>((resolve) => pending.push(resolve)) } as unknown as PaymentCheck;
  return { check, pending };
}
const intent = { intentId: 'int_1' } as CheckIntent;
const confirm: CheckOutcome = { verdict: 'confirm', reasons: [] };

describe('BoundedCheck', () => {
  it('answers what the check says when it says it in time', async () => {
    const { check, pending } = heldChecks();
    const answering = new BoundedCheck(check, 5_000, 10).answer('t', intent, 0);
    pending[0]!(confirm);
    expect(await answering).toEqual({ answer: { intentId: 'int_1', verdict: 'confirm', reasons: [], degraded: false }, shed: false });
  });

  it('answers allow + degraded at the deadline, and sheds checks while too many are still unfinished', async () => {
    const { check, pending } = heldChecks();
    const bounded = new BoundedCheck(check, 1, 2);
    expect(await bounded.answer('t', intent, 0)).toMatchObject({ answer: { verdict: 'allow', degraded: true }, degradedBecause: 'no answer within 1 ms', shed: false });
    await bounded.answer('t', intent, 0);
    expect(await bounded.answer('t', intent, 0)).toMatchObject({ answer: { verdict: 'allow', degraded: true }, shed: true });
    expect(pending).toHaveLength(2);
    pending[0]!(confirm);
    await new Promise((resolve) => setImmediate(resolve));
    const next = bounded.answer('t', intent, 0);
    expect(pending).toHaveLength(3);
    pending[2]!(confirm);
    expect((await next).answer.verdict).toBe('confirm');
  });
});
