import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { topicName, type Flag, type WebhookEvent } from '@backstop/contracts';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { publishEvents, publishFlags } from '@backstop/testkit';
import type { Producer } from 'kafkajs';
import type { ServiceProcess } from '../infra/dev/service-process';
import { buildFlag } from './support/flags';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';

interface Mismatch {
  kind: string;
  paymentId: string;
  decisionId: string | null;
  claimedDecisionId: string | null;
  outcome: string | null;
  status: string | null;
  decidedAmount: number | null;
  reportedAmount: number | null;
  reportedCurrency: string | null;
  refundedTotal: string | null;
  capturedAmount: number | null;
  currency: string;
  eventId: string | null;
}

interface Tally { count: number; amount: string }

/**
 * The platform's refund outcomes as they reach the refund worker (Kafka, one partition, so a
 * later event of the same tenant proves the earlier ones were processed), and how finance
 * then sees the decisions: the worker and the console as real processes.
 */
describe('refund outcomes, from the events topic to the finance API', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let consoleUrl: string;
  let producer: Producer;
  let eventsTopic: string;
  let flagsTopic: string;
  const financeKeys: Record<string, string> = {};
  let sequence = 0;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1, refundCommands: 1 });
    eventsTopic = topicName('paymentEvents', stack.topicPrefix);
    flagsTopic = topicName('flags', stack.topicPrefix);
    for (const tenantId of ['yen', 'retry', 'twice', 'unsent']) {
      await createTenant(stack.pool, { tenantId, name: tenantId });
      financeKeys[tenantId] = (await createApiKey(stack.pool, tenantId, 'finance')).apiKey;
    }
    await saveRefundPolicy(stack.pool, 'unsent', { v: 1, rules: { 'duplicate.exact': { action: 'review' } } }, 'test');
    producer = stack.kafka.producer();
    await producer.connect();
    services = await startServices(stack, ['refund-worker', 'console'], { OUTBOX_POLL_MS: '200' });
    consoleUrl = services.find((s) => s.name === 'console')!.address!;
  }, 180_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => console.log(services.map((s) => `${s.name} log:\n${s.lines.slice(-30).join('\n')}`).join('\n')));
  });

  afterAll(async () => {
    await stopServices(services ?? []);
    await producer?.disconnect();
    await stack?.close();
  }, 60_000);

  const getJson = async <T>(tenantId: string, path: string): Promise<T> => {
    const response = await fetch(`${consoleUrl}${path}`, { headers: { authorization: `Bearer ${financeKeys[tenantId]}` } });
    const text = await response.text();
    expect(response.status, text).toBe(200);
    return JSON.parse(text) as T;
  };
  const mismatches = async (tenantId: string) => (await getJson<{ data: Mismatch[] }>(tenantId, '/v1/finance/mismatches?limit=1000')).data;
  /** Today's reconciliation row of a tenant's CNY decisions (the tenants' days are Shanghai's). */
  const todayInCny = async (tenantId: string) => {
    const day = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const { data } = await getJson<{ data: { currency: string; confirmed: Tally; failed: Tally; byStatus: Record<string, Tally> }[] }>(tenantId, `/v1/finance/reconciliation?from=${day}&to=${day}`);
    return data.find((row) => row.currency === 'CNY');
  };

  const decision = async (decisionId: string) =>
    (await stack.pool.query<{ status: string; confirmed_amount: number | null }>('SELECT status, confirmed_amount FROM refund_decisions WHERE decision_id = $1', [decisionId])).rows[0]!;
  const trail = async (decisionId: string) =>
    (await stack.pool.query("SELECT content->>'from' AS from, content->>'to' AS to, content->>'actor' AS actor FROM decision_audit WHERE decision_id = $1 ORDER BY seq", [decisionId])).rows;
  const stored = (eventIds: string[]) =>
    eventually(async () => {
      const found = await stack.pool.query('SELECT event_id FROM refund_outcomes WHERE event_id = ANY($1::text[])', [eventIds]);
      return found.rowCount === eventIds.length ? true : undefined;
    }, { what: `outcomes ${eventIds.join(', ')} recorded` });

  /** A charge flagged, refunded automatically and handed to the platform: its decision, now `sent`. */
  const sentRefund = async (tenantId: string, amount = 3000): Promise<{ flag: Flag; decisionId: string }> => {
    const flag = buildFlag(tenantId, { payment: { amount, unitPrice: amount, currency: 'CNY' } });
    await publishFlags(producer, flagsTopic, [flag]);
    const decisionId = await eventually(async () => {
      const found = await stack.pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2 AND status = 'sent'", [tenantId, flag.payment.paymentId]);
      return found.rows[0]?.decision_id;
    }, { what: `the refund of ${flag.payment.paymentId} sent` });
    return { flag, decisionId };
  };

  const outcome = (
    type: 'refund.succeeded' | 'refund.failed',
    { flag, decisionId }: { flag: Flag; decisionId?: string },
    data: { amount?: number; currency?: string; refundId?: string } = {},
  ): WebhookEvent => {
    sequence += 1;
    return {
      // A second apart, so the order they happened in is the order they were made in.
      id: `evt_outcome_${sequence}_${flag.payment.paymentId}`, type, occurredAt: new Date(Date.now() - 600_000 + sequence * 1_000).toISOString(),
      data: {
        paymentId: flag.payment.paymentId, payerId: flag.payment.payerId, amount: data.amount ?? flag.payment.amount, currency: data.currency ?? 'CNY',
        ...(decisionId ? { decisionId } : {}), ...(data.refundId ? { refundId: data.refundId } : {}),
      },
    } as WebhookEvent;
  };
  const publish = (tenantId: string, events: WebhookEvent[]) => publishEvents(producer, eventsTopic, tenantId, events);

  it('a refund reported in another currency confirms nothing and is listed as a currency mismatch', async () => {
    const refund = await sentRefund('yen');
    const inYen = outcome('refund.succeeded', refund, { currency: 'JPY' });
    await publish('yen', [inYen]);
    await stored([inYen.id]);
    expect(await decision(refund.decisionId)).toEqual({ status: 'sent', confirmed_amount: null });
    expect(await todayInCny('yen')).toMatchObject({ confirmed: { count: 0, amount: '0' }, byStatus: { sent: { count: 1, amount: '3000' } } });
    expect((await mismatches('yen')).filter((m) => m.kind === 'currency_mismatch')).toEqual([expect.objectContaining({
      paymentId: refund.flag.payment.paymentId, decisionId: refund.decisionId, claimedDecisionId: refund.decisionId, outcome: 'succeeded', status: 'sent',
      decidedAmount: 3000, currency: 'CNY', reportedAmount: 3000, reportedCurrency: 'JPY', eventId: inYen.id,
    })]);

    // The refund in the decision's own currency then confirms it as usual.
    await publish('yen', [outcome('refund.succeeded', refund)]);
    await eventually(async () => ((await decision(refund.decisionId)).status === 'succeeded' ? true : undefined), { what: 'the decision confirmed' });
    expect(await todayInCny('yen')).toMatchObject({ confirmed: { count: 1, amount: '3000' } });
  });

  it('a success after a failure moves the decision to succeeded, on its audit trail; a later failure and a redelivery change nothing', async () => {
    const refund = await sentRefund('retry', 4200);
    await publish('retry', [outcome('refund.failed', refund)]);
    await eventually(async () => ((await decision(refund.decisionId)).status === 'failed' ? true : undefined), { what: 'the decision failed' });
    expect(await todayInCny('retry')).toMatchObject({ failed: { count: 1, amount: '4200' }, confirmed: { count: 0, amount: '0' } });

    const succeeded = outcome('refund.succeeded', refund, { refundId: 'rf_retry_1' });
    await publish('retry', [succeeded]);
    await eventually(async () => ((await decision(refund.decisionId)).status === 'succeeded' ? true : undefined), { what: 'the later success applied' });
    expect(await decision(refund.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 4200 });
    const settledTrail = [
      { from: null, to: 'approved', actor: 'policy:auto' },
      { from: 'approved', to: 'sent', actor: 'outbox:kafka' },
      { from: 'sent', to: 'failed', actor: 'platform' },
      { from: 'failed', to: 'succeeded', actor: 'platform' },
    ];
    expect(await trail(refund.decisionId)).toEqual(settledTrail);
    expect(await todayInCny('retry')).toMatchObject({ failed: { count: 0, amount: '0' }, confirmed: { count: 1, amount: '4200' } });

    const lateFailure = outcome('refund.failed', refund);
    const marker = outcome('refund.succeeded', { flag: buildFlag('retry') }, { refundId: 'rf_marker' });
    await publish('retry', [succeeded, lateFailure, marker]);
    await stored([lateFailure.id, marker.id]);
    expect(await decision(refund.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 4200 });
    expect(await trail(refund.decisionId)).toEqual(settledTrail);
    // The failure after the success moved nothing, but finance is shown it to reconcile with the
    // platform; the failure before it was the attempt the platform retried, and is not listed.
    expect((await mismatches('retry')).filter((m) => m.decisionId === refund.decisionId)).toEqual([expect.objectContaining({
      kind: 'failure_after_success', outcome: 'failed', status: 'succeeded', eventId: lateFailure.id, claimedDecisionId: refund.decisionId,
      decidedAmount: 4200, reportedAmount: 4200, reportedCurrency: 'CNY', currency: 'CNY',
    })]);
    const report = await verifyAuditChains(stack.pool);
    expect(report.breaks).toEqual([]);
    expect(report.drifts).toEqual([]);
  });

  it('refunds adding up to more than decided or captured are listed as an over-refund; one refund reported twice is not', async () => {
    const paidTwice = await sentRefund('twice');
    const reportedTwice = await sentRefund('twice');
    const refundedOnItsOwnToo = await sentRefund('twice');
    const first = outcome('refund.succeeded', paidTwice, { refundId: 'rf_twice_1' });
    const second = outcome('refund.succeeded', paidTwice, { refundId: 'rf_twice_2' });
    const again = [outcome('refund.succeeded', reportedTwice, { refundId: 'rf_again' }), outcome('refund.succeeded', reportedTwice, { refundId: 'rf_again' })];
    const backstops = outcome('refund.succeeded', refundedOnItsOwnToo, { refundId: 'rf_backstop' });
    const own = outcome('refund.succeeded', { flag: refundedOnItsOwnToo.flag }, { refundId: 'rf_own' });
    const events = [first, second, ...again, backstops, own];
    await publish('twice', events);
    await stored(events.map((event) => event.id));
    for (const confirmed of [paidTwice, reportedTwice, refundedOnItsOwnToo]) expect(await decision(confirmed.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });

    const overRefunds = (await mismatches('twice')).filter((m) => m.kind === 'over_refund');
    expect(overRefunds.map((m) => m.decisionId).sort()).toEqual([paidTwice.decisionId, refundedOnItsOwnToo.decisionId].sort());
    expect(overRefunds.find((m) => m.decisionId === paidTwice.decisionId)).toMatchObject({
      paymentId: paidTwice.flag.payment.paymentId, status: 'succeeded', decidedAmount: 3000, capturedAmount: 3000, refundedTotal: '6000',
      reportedAmount: 3000, reportedCurrency: 'CNY', currency: 'CNY', outcome: 'succeeded', eventId: second.id, claimedDecisionId: paidTwice.decisionId,
    });
    expect(overRefunds.find((m) => m.decisionId === refundedOnItsOwnToo.decisionId)).toMatchObject({
      decidedAmount: 3000, capturedAmount: 3000, refundedTotal: '6000', eventId: own.id, claimedDecisionId: null,
    });
  });

  it('a refund the platform made of a decision still in review settles it, so approving it cannot pay the charge back twice', async () => {
    const flag = buildFlag('unsent', { payment: { amount: 30_000, unitPrice: 30_000, currency: 'CNY' } });
    await publishFlags(producer, flagsTopic, [flag]);
    const decisionId = await eventually(async () => {
      const found = await stack.pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = 'unsent' AND payment_id = $1 AND status = 'pending_review'", [flag.payment.paymentId]);
      return found.rows[0]?.decision_id;
    }, { what: `the decision on ${flag.payment.paymentId} waiting for review` });

    const refundedByPlatform = outcome('refund.succeeded', { flag, decisionId }, { refundId: 'rf_unsent_1' });
    await publish('unsent', [refundedByPlatform]);
    await eventually(async () => ((await decision(decisionId)).status === 'succeeded' ? true : undefined), { what: 'the decision settled by the platform\'s refund' });
    expect(await decision(decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 30_000 });
    const settledTrail = [{ from: null, to: 'pending_review', actor: 'policy:review' }, { from: 'pending_review', to: 'succeeded', actor: 'platform' }];
    expect(await trail(decisionId)).toEqual(settledTrail);

    const reviewer = (await createApiKey(stack.pool, 'unsent', 'ops')).apiKey;
    const approval = await fetch(`${consoleUrl}/v1/refunds/${decisionId}/approve`, {
      method: 'POST', headers: { authorization: `Bearer ${reviewer}`, 'content-type': 'application/json' }, body: '{}',
    });
    const answer = await approval.text();
    expect(approval.status, answer).toBe(409);
    expect(JSON.parse(answer)).toMatchObject({ type: expect.stringMatching(/decision-not-pending$/) });
    const commands = await stack.pool.query('SELECT count(*)::int AS n FROM refund_outbox WHERE decision_id = $1', [decisionId]);
    expect(commands.rows[0]).toEqual({ n: 0 });

    // Delivered again, the refund changes nothing a second time.
    const marker = outcome('refund.succeeded', { flag: buildFlag('unsent') }, { refundId: 'rf_unsent_marker' });
    await publish('unsent', [refundedByPlatform, marker]);
    await stored([marker.id]);
    expect(await trail(decisionId)).toEqual(settledTrail);

    expect((await mismatches('unsent')).filter((m) => m.decisionId === decisionId)).toEqual([expect.objectContaining({
      kind: 'outcome_for_unsent_decision', outcome: 'succeeded', status: 'succeeded', eventId: refundedByPlatform.id, claimedDecisionId: decisionId,
      decidedAmount: 30_000, capturedAmount: 30_000, reportedAmount: 30_000, reportedCurrency: 'CNY', currency: 'CNY',
    })]);
    const report = await verifyAuditChains(stack.pool);
    expect(report.breaks).toEqual([]);
    expect(report.drifts).toEqual([]);
  });
});
