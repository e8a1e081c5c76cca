import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '@backstop/contracts';
import { payerKeys } from '@backstop/detection';
import { examplePaymentData, publishEvents } from '@backstop/testkit';
import type { InvariantReport } from '../../infra/tools/invariants/invariants';
import { describeMissedMistakes } from './missed-mistakes';
import { createIsolatedStack, type IsolatedStack } from './stack';

/** A report with one planted mistake on each of these payments that the detector did not raise. */
const reportMissing = (...paymentIds: string[]): InvariantReport => ({
  accepted: 0, consumed: 0, planted: paymentIds.length, caught: 0, distinctFlags: 0, decisions: 0, refundedTotal: {},
  violations: paymentIds.map((paymentId) => ({
    invariant: 'every planted mistake was flagged',
    detail: `amount on payment ${paymentId} (shop) has no amount.digit_slip or amount.outlier flag (nor on the flags topic: the detector did not raise it)`,
    payment: { tenantId: 'shop', paymentId },
  })),
});

describe('the description of a planted mistake left unflagged', () => {
  let stack: IsolatedStack;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1 });
    const producer = stack.kafka.producer();
    await producer.connect();
    const at = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 2, 0, seconds)).toISOString();
    await publishEvents(producer, topicName('paymentEvents', stack.topicPrefix), 'shop', [
      { id: 'evt_usual', type: 'payment.succeeded', occurredAt: at(0), data: examplePaymentData('usual', { payerId: 'u_a' }) },
      { id: 'evt_slip', type: 'payment.succeeded', occurredAt: at(5), data: examplePaymentData('slip', { payerId: 'u_a', amount: 30000 }) },
      { id: 'evt_other', type: 'payment.succeeded', occurredAt: at(6), data: examplePaymentData('other', { payerId: 'u_b', amount: 30000 }) },
    ]);
    await producer.disconnect();
    // As the detector leaves an event it observed but whose flags it never recorded.
    await stack.redis.hset(payerKeys(stack.redisPrefix, 'shop', 'u_a').seen, 'evt_slip', 'S:{"newest":0,"payments":[]}');
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('gives the payer\'s events in topic order, the payer\'s flags, and what the state remembers of the event', async () => {
    const text = await describeMissedMistakes(stack.brokers, stack.topicPrefix, reportMissing('pay_slip', 'pay_other'), 60_000, { redisUrl: stack.redisUrl, redisPrefix: stack.redisPrefix });
    const [slip, other] = text.split('\nmissed ');
    expect(slip).toMatch(/^missed pay_slip, payer u_a;/);
    expect(slip!.indexOf('evt_usual')).toBeGreaterThan(0);
    expect(slip!.indexOf('evt_slip')).toBeGreaterThan(slip!.indexOf('evt_usual'));
    expect(slip).not.toContain('evt_other');
    expect(slip).toContain('flags on the payer:\n    none');
    expect(slip).toContain('observed, its flags never recorded');
    expect(other).toMatch(/^pay_other, payer u_b;/);
    expect(other).toContain('never observed');
  });

  it('says nothing when nothing was missed', async () => {
    expect(await describeMissedMistakes(stack.brokers, stack.topicPrefix, reportMissing(), 60_000)).toBe('');
  });
});
