import { describe, expect, it } from 'vitest';
import { checkInvariants, flagOnTopicKey, type Observed, type SentEvent } from './invariants';

const sent: SentEvent[] = [
  { tenantId: 't', eventId: 'e1', type: 'payment.succeeded', paymentId: 'p1', amount: 3000, status: 202 },
  { tenantId: 't', eventId: 'e2', type: 'payment.succeeded', paymentId: 'p2', amount: 3000, mistake: 'duplicate', status: 202 },
  { tenantId: 't', eventId: 'e3', type: 'payment.succeeded', paymentId: 'p3', amount: 100000, mistake: 'amount', status: 202 },
  { tenantId: 't', eventId: 'e4', type: 'payment.succeeded', paymentId: 'p4', amount: 500, status: 503 },
];

function healthy(): Observed {
  return {
    eventIds: new Set(['t\u0000e1', 't\u0000e2', 't\u0000e3']),
    lagByGroup: { detector: 0, 'refund-worker': 0 },
    flags: [
      { tenantId: 't', flagId: 'f2', type: 'duplicate.exact', paymentId: 'p2' },
      { tenantId: 't', flagId: 'f3', type: 'amount.digit_slip', paymentId: 'p3' },
    ],
    decisions: [{ tenantId: 't', paymentId: 'p2', flagId: 'f2', status: 'approved', amount: 3000, capturedAmount: 3000 }],
  };
}

describe('invariant checker', () => {
  it('passes a system that kept both promises', () => {
    const report = checkInvariants(sent, healthy());
    expect(report.violations).toEqual([]);
    expect(report).toMatchObject({ accepted: 3, consumed: 3, planted: 2, caught: 2, distinctFlags: 2, decisions: 1, refundedTotal: { t: 3000 } });
  });

  it('ignores events the sender was told were not accepted', () => {
    expect(checkInvariants(sent, healthy()).accepted).toBe(3);
  });

  it('names a lost event, a consumer that is behind and a missed mistake', () => {
    const observed = healthy();
    observed.eventIds.delete('t\u0000e3');
    observed.lagByGroup.detector = 4;
    observed.flags.pop();
    const { violations } = checkInvariants(sent, observed);
    const invariants = violations.map((v) => v.invariant);
    expect(invariants).toEqual(['every accepted event reached Kafka', 'every accepted event was consumed', 'every planted mistake was flagged']);
    expect(violations.at(-1)!.payment).toEqual({ tenantId: 't', paymentId: 'p3' });
  });

  it('says which side lost a missed mistake\'s flag, when the flags topic was read', () => {
    const observed = healthy();
    const [missing] = observed.flags.splice(-1);
    const onTopic = checkInvariants(sent, { ...observed, flagsOnTopic: new Set([flagOnTopicKey(missing!.tenantId, missing!.paymentId, missing!.type)]) });
    expect(onTopic.violations.map((v) => v.detail)).toEqual([expect.stringContaining('the refund worker did not record it')]);
    const nowhere = checkInvariants(sent, { ...observed, flagsOnTopic: new Set() });
    expect(nowhere.violations.map((v) => v.detail)).toEqual([expect.stringContaining('the detector did not raise it')]);
  });

  it('catches a double refund, a refund without a flag, and a refund above the charge', () => {
    const observed = healthy();
    observed.decisions.push(
      { tenantId: 't', paymentId: 'p2', flagId: 'f2', status: 'sent', amount: 3000, capturedAmount: 3000 },
      { tenantId: 't', paymentId: 'p1', flagId: 'nope', status: 'approved', amount: 5000, capturedAmount: 3000 },
    );
    const invariants = checkInvariants(sent, observed).violations.map((v) => v.invariant).sort();
    expect(invariants).toEqual([
      'a refund never exceeds the captured amount',
      'no refund without a flag',
      'one decision per flagged charge',
      'sums reconcile with what was sent',
    ]);
  });

  it('names a charge flagged twice for one reason under two flag ids', () => {
    const observed = healthy();
    observed.flags.push({ tenantId: 't', flagId: 'f2-again', type: 'duplicate.exact', paymentId: 'p2' });
    const violations = checkInvariants(sent, observed).violations;
    expect(violations.map((v) => v.invariant)).toEqual(['no charge flagged twice for one reason']);
    expect(violations[0]!.detail).toContain('f2, f2-again');
  });

  it('does not count the same flag delivered twice as two', () => {
    const observed = healthy();
    observed.flags.push({ ...observed.flags[0]! });
    expect(checkInvariants(sent, observed).distinctFlags).toBe(2);
  });
});
