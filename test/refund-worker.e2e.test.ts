import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { RefundCommand, topicName, type Flag, type WebhookEvent } from '@backstop/contracts';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { createTenant } from '@backstop/tenancy';
import type { Producer } from 'kafkajs';
import { startServiceProcess, type ServiceProcess } from '../infra/dev/service-process';
import { buildFlag } from './support/flags';
import { groupCaughtUp, publishEvents, publishFlags, readTopic } from '@backstop/testkit';
import { metricSum, scrapeMetrics } from './support/metrics';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';

interface DecisionRow {
  decision_id: string;
  payment_id: string;
  status: string;
  action: string;
  amount: number;
  reason: string;
  confirmed_amount: number | null;
}

describe('refund worker: one decision per charge, on real Kafka and Postgres', () => {
  let stack: IsolatedStack;
  let producer: Producer;
  const processes: ServiceProcess[] = [];
  let flagsTopic: string;
  let eventsTopic: string;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 2, flags: 2, refundCommands: 1 });
    flagsTopic = topicName('flags', stack.topicPrefix);
    eventsTopic = topicName('paymentEvents', stack.topicPrefix);
    producer = stack.kafka.producer();
    await producer.connect();
    for (const tenantId of ['crash', 'redeliver', 'race', 'life', 'cap', 'optin', 'guard']) await createTenant(stack.pool, { tenantId, name: tenantId });
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop('SIGTERM')));
    await producer?.disconnect();
    await stack?.close();
  }, 60_000);

  function start(env: Record<string, string> = {}): ServiceProcess {
    const worker = startServiceProcess('refund-worker', { ...stack.env, OUTBOX_POLL_MS: '200', ...env });
    processes.push(worker);
    onTestFailed(() => console.log(`refund-worker ${JSON.stringify(env)} log:\n${worker.lines.slice(-30).join('\n')}`));
    return worker;
  }

  const decisionsOf = async (tenantId: string) =>
    (await stack.pool.query<DecisionRow>('SELECT decision_id, payment_id, status, action, amount, reason, confirmed_amount FROM refund_decisions WHERE tenant_id = $1', [tenantId])).rows;

  const decisionFor = (tenantId: string, paymentId: string, status?: string) =>
    eventually(async () => (await decisionsOf(tenantId)).find((d) => d.payment_id === paymentId && (!status || d.status === status)), { what: `decision on ${paymentId}${status ? ` ${status}` : ''}` });

  const caughtUp = (group: string) => eventually(async () => ((await groupCaughtUp(stack.kafka, `${stack.topicPrefix}${group}`, flagsTopic)) ? true : undefined), { what: `group ${group} to commit every flag` });

  /** A later flag from the same payer: same partition, so once it is decided, everything before it was processed. */
  const markerAfter = (flag: Flag) => buildFlag(flag.tenantId, { payment: { payerId: flag.payment.payerId } });

  it('a worker killed after publishing a command, before recording it, publishes it again under the same idempotency key', async () => {
    await stack.pool.query("INSERT INTO tenants (tenant_id, name) VALUES ('resend', 'resend')");
    const flag = buildFlag('resend');
    const commands = await readTopic(stack.kafka, topicName('refundCommands', stack.topicPrefix));
    try {
      const doomed = start({ FAULT_KILL_AT: 'refund-worker.after-command-sent', KAFKA_SESSION_TIMEOUT_MS: '6000' });
      await doomed.ready;
      await publishFlags(producer, flagsTopic, [flag]);
      await eventually(async () => (doomed.child.signalCode === 'SIGKILL' ? true : undefined), { what: 'the worker to die after sending' });
      expect((await decisionsOf('resend')).map((d) => d.status)).toEqual(['approved']);

      const successor = start();
      await successor.ready;
      const sent = await decisionFor('resend', flag.payment.paymentId, 'sent');
      const copies = await eventually(async () => {
        const found = commands.messages.filter((m) => m.value.includes(sent.decision_id));
        return found.length === 2 ? found : undefined;
      }, { what: 'the command published twice' });
      expect(new Set(copies.map((m) => RefundCommand.parse(JSON.parse(m.value)).idempotencyKey))).toEqual(new Set([`refund:resend:${flag.payment.paymentId}`]));
      expect(await decisionsOf('resend')).toHaveLength(1);
      // The crash test below needs the group to itself.
      await successor.stop('SIGTERM');
    } finally {
      await commands.stop();
    }
  }, 90_000);

  it('a worker killed between its database commit and its offset commit leaves exactly one decision', async () => {
    const flag = buildFlag('crash');
    // A short session, so the group hands the dead member's partitions over sooner.
    const doomed = start({ FAULT_KILL_AT: 'refund-worker.after-db-commit', KAFKA_SESSION_TIMEOUT_MS: '6000' });
    await doomed.ready;
    await publishFlags(producer, flagsTopic, [flag]);
    await eventually(async () => (doomed.child.signalCode === 'SIGKILL' ? true : undefined), { what: 'the worker to die at the fault point' });
    expect(await decisionsOf('crash')).toHaveLength(1);

    // Same group: the uncommitted batch comes back to the restarted worker.
    const restarted = start();
    await restarted.ready;
    await caughtUp('backstop-refund-worker');
    const decisions = await decisionsOf('crash');
    expect(decisions.map((d) => d.payment_id)).toEqual([flag.payment.paymentId]);
    expect((await stack.pool.query('SELECT 1 FROM flags WHERE tenant_id = $1', ['crash'])).rowCount).toBe(1);
    // The redone batch is visible: what a clean restart must keep at zero.
    expect(metricSum(await scrapeMetrics(restarted.address!), 'backstop_refund_worker_redelivered_flags_total')).toBe(1);
  }, 90_000);

  it('redelivered flags make one decision', async () => {
    const flag = buildFlag('redeliver');
    await publishFlags(producer, flagsTopic, [flag]);
    await publishFlags(producer, flagsTopic, [flag, flag]);
    const marker = markerAfter(flag);
    await publishFlags(producer, flagsTopic, [marker]);
    await decisionFor('redeliver', marker.payment.paymentId);
    expect((await decisionsOf('redeliver')).filter((d) => d.payment_id === flag.payment.paymentId)).toHaveLength(1);
  });

  it('two workers in different groups racing on the same flags make one decision per charge, and one unbroken audit chain', async () => {
    const racer = start({ REFUND_WORKER_GROUP_ID: 'racer' });
    await racer.ready;
    const flags = Array.from({ length: 40 }, (_, i) => buildFlag('race', { type: i % 2 ? 'duplicate.exact' : 'amount.outlier' }));
    await publishFlags(producer, flagsTopic, flags);
    await caughtUp('racer');
    await caughtUp('backstop-refund-worker');
    const decisions = await decisionsOf('race');
    expect(decisions.map((d) => d.payment_id).sort()).toEqual(flags.map((f) => f.payment.paymentId).sort());
    const created = await stack.pool.query("SELECT count(*)::int AS n FROM decision_audit WHERE tenant_id = 'race' AND content->>'from' IS NULL");
    expect(created.rows[0].n).toBe(40);
    expect((await verifyAuditChains(stack.pool)).breaks).toEqual([]);
    await racer.stop('SIGTERM');
  }, 90_000);

  it('approved refunds leave through the outbox as commands, and the platform\'s outcomes close them', async () => {
    const refunded = buildFlag('life', { payment: { amount: 4200, unitPrice: 4200 } });
    const declined = buildFlag('life');
    const commands = await readTopic(stack.kafka, topicName('refundCommands', stack.topicPrefix));
    try {
      await publishFlags(producer, flagsTopic, [refunded, declined]);
      const sent = await decisionFor('life', refunded.payment.paymentId, 'sent');
      const command = await eventually(async () => commands.messages.map((m) => RefundCommand.parse(JSON.parse(m.value))).find((c) => c.decisionId === sent.decision_id), { what: 'the refund command' });
      expect(command).toMatchObject({
        idempotencyKey: `refund:life:${refunded.payment.paymentId}`,
        paymentId: refunded.payment.paymentId,
        amount: 4200,
        capturedAmount: 4200,
        currency: 'CNY',
        flagId: refunded.flagId,
        flagType: 'duplicate.exact',
        revokeGoodsFirst: true,
        approvedBy: 'policy:auto',
        evidenceSummary: refunded.evidence.informationFlow.summary,
      });
      const declinedDecision = await decisionFor('life', declined.payment.paymentId, 'sent');

      const outcome = (type: 'refund.succeeded' | 'refund.failed', flag: Flag, decisionId: string): WebhookEvent => ({
        id: `evt_${type}_${decisionId}`,
        type,
        occurredAt: new Date().toISOString(),
        data: { paymentId: flag.payment.paymentId, payerId: flag.payment.payerId, amount: flag.payment.amount, currency: 'CNY', decisionId },
      } as WebhookEvent);
      const succeeded = outcome('refund.succeeded', refunded, sent.decision_id);
      await publishEvents(producer, eventsTopic, 'life', [succeeded, outcome('refund.failed', declined, declinedDecision.decision_id), succeeded]);
      expect(await decisionFor('life', refunded.payment.paymentId, 'succeeded')).toMatchObject({ confirmed_amount: 4200 });
      await decisionFor('life', declined.payment.paymentId, 'failed');

      const trail = await stack.pool.query("SELECT content->>'from' AS from, content->>'to' AS to, content->>'actor' AS actor FROM decision_audit WHERE decision_id = $1 ORDER BY seq", [sent.decision_id]);
      expect(trail.rows).toEqual([
        { from: null, to: 'approved', actor: 'policy:auto' },
        { from: 'approved', to: 'sent', actor: 'outbox:kafka' },
        { from: 'sent', to: 'succeeded', actor: 'platform' },
      ]);
      expect(commands.messages.filter((m) => m.value.includes(sent.decision_id))).toHaveLength(1);
    } finally {
      await commands.stop();
    }
  }, 60_000);

  it('reviews a mis-selected product by default; where the tenant opts in, refunds a high-confidence one automatically only before delivery', async () => {
    const payerId = 'u_delivered';
    const byDefault = buildFlag('cap', { type: 'product.misselected', severity: 'high', payment: { payerId } });
    await publishFlags(producer, flagsTopic, [byDefault]);
    expect(await decisionFor('cap', byDefault.payment.paymentId)).toMatchObject({ action: 'review', status: 'pending_review' });

    await saveRefundPolicy(stack.pool, 'optin', { v: 1, rules: { 'product.misselected': { action: 'auto_refund' } } }, 'test');
    const delivered = buildFlag('optin', { type: 'product.misselected', severity: 'high', payment: { payerId } });
    const undelivered = buildFlag('optin', { type: 'product.misselected', severity: 'high', payment: { payerId } });
    const lessSure = buildFlag('optin', { type: 'product.misselected', severity: 'medium', payment: { payerId } });
    const delivery: WebhookEvent = {
      id: `evt_delivered_${delivered.payment.orderId}`, type: 'order.delivered', occurredAt: new Date().toISOString(),
      data: { orderId: delivered.payment.orderId, payerId, paymentId: delivered.payment.paymentId },
    };
    await publishEvents(producer, eventsTopic, 'optin', [delivery]);
    await eventually(async () => ((await stack.pool.query('SELECT 1 FROM order_deliveries WHERE tenant_id = $1 AND order_id = $2', ['optin', delivered.payment.orderId])).rowCount === 1 ? true : undefined), { what: 'the delivery recorded' });
    await publishFlags(producer, flagsTopic, [delivered, undelivered, lessSure]);
    expect(await decisionFor('optin', delivered.payment.paymentId)).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(await decisionFor('optin', undelivered.payment.paymentId)).toMatchObject({ action: 'auto_refund' });
    expect(await decisionFor('optin', lessSure.payment.paymentId)).toMatchObject({ action: 'review', status: 'pending_review' });
  });

  it('never decides more than the platform left unrefunded of the captured amount', async () => {
    const payerId = 'u_capped';
    const partly = buildFlag('cap', { payment: { payerId, amount: 3000 } });
    const fully = buildFlag('cap', { payment: { payerId, amount: 3000 } });
    const platformRefund = (flag: Flag, amount: number): WebhookEvent => ({
      id: `evt_own_${flag.payment.paymentId}`, type: 'refund.succeeded', occurredAt: new Date().toISOString(),
      data: { paymentId: flag.payment.paymentId, payerId, amount, currency: 'CNY', refundId: `rf_${flag.payment.paymentId}` },
    });
    await publishEvents(producer, eventsTopic, 'cap', [platformRefund(partly, 1000), platformRefund(fully, 3000)]);
    await eventually(async () => ((await stack.pool.query("SELECT 1 FROM refund_outcomes WHERE tenant_id = 'cap'")).rowCount === 2 ? true : undefined), { what: 'the platform refunds recorded' });

    const marker = markerAfter(partly);
    await publishFlags(producer, flagsTopic, [partly, fully, marker]);
    await decisionFor('cap', marker.payment.paymentId);
    const decisions = await decisionsOf('cap');
    expect(decisions.find((d) => d.payment_id === partly.payment.paymentId)?.amount).toBe(3000 - 1000);
    expect(decisions.find((d) => d.payment_id === fully.payment.paymentId)).toBeUndefined();
  });

  it('applies the single-refund cap, the daily budget and the kill switch, and takes policy changes without a restart', async () => {
    await saveRefundPolicy(stack.pool, 'guard', { v: 1, maxAutoRefund: { CNY: 5000 }, dailyAutoBudget: { CNY: 10000 } }, 'test');
    const payerId = 'u_guarded';
    const tooLarge = buildFlag('guard', { payment: { payerId, amount: 6000, unitPrice: 6000 } });
    const withinBudget = Array.from({ length: 3 }, () => buildFlag('guard', { payment: { payerId, amount: 4000, unitPrice: 4000 } }));
    await publishFlags(producer, flagsTopic, [tooLarge, ...withinBudget]);
    await decisionFor('guard', withinBudget[2]!.payment.paymentId);
    const first = await decisionsOf('guard');
    expect(first.find((d) => d.payment_id === tooLarge.payment.paymentId)).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(first.find((d) => d.payment_id === tooLarge.payment.paymentId)?.reason).toContain('single auto-refund limit');
    const budgeted = first.filter((d) => withinBudget.some((f) => f.payment.paymentId === d.payment_id));
    expect(budgeted.filter((d) => d.action === 'auto_refund')).toHaveLength(2);
    expect(budgeted.filter((d) => d.action === 'review').map((d) => d.reason)).toEqual([expect.stringContaining('budget')]);

    await saveRefundPolicy(stack.pool, 'guard', { v: 1, killSwitch: true }, 'test');
    const underKillSwitch = buildFlag('guard', { payment: { payerId, amount: 100, unitPrice: 100 } });
    await publishFlags(producer, flagsTopic, [underKillSwitch]);
    expect((await decisionFor('guard', underKillSwitch.payment.paymentId)).reason).toContain('kill switch');

    await saveRefundPolicy(stack.pool, 'guard', { v: 1 }, 'test');
    const afterwards = buildFlag('guard', { payment: { payerId, amount: 100, unitPrice: 100 } });
    await publishFlags(producer, flagsTopic, [afterwards]);
    expect(await decisionFor('guard', afterwards.payment.paymentId)).toMatchObject({ action: 'auto_refund' });
  });
});
