import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flag, topicName, type PaymentData, type WebhookEvent } from '@backstop/contracts';
import { createRedis, type Redis } from '@backstop/redis';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../../infra/dev/service-process';
import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { RebuildLock } from '../../services/detector/src/rebuild/rebuild-lock';
import { checkStack } from '../support/invariants';
import { groupCaughtUp, readTopic, type ReadMessage } from '@backstop/testkit';
import { freePort, PrivateRedis } from '../support/private-redis';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { metricSum, scrapeMetrics } from '../support/metrics';
import { eventually } from '../support/wait';
import { paymentEvent, postWebhook, uniqueId } from '../support/webhooks';
import { defineDetectorScripts } from '@backstop/detection';

const hourMs = 3_600_000;
const paymentIdOf = (event: WebhookEvent) => (event.type === 'payment.succeeded' ? event.data.paymentId : '');
const topup = (recipientAccount: string, amount: number, recipientVerified = true): Partial<PaymentData> => ({
  kind: 'topup', sku: 'wallet-topup', category: 'wallet', unitPrice: amount, amount, recipientAccount, recipientVerified,
});

/**
 * Another detector instance that took the rebuild and then died, played by the test: it holds
 * the rebuild lock (extending it) until `die`, after which its lease runs out.
 */
async function holdRebuildLock(redisUrl: string, prefix: string): Promise<{ die(): void; close(): Promise<void> }> {
  const redis: Redis = createRedis(redisUrl, 'fault-test-rebuild-holder');
  defineDetectorScripts(redis);
  const lock = new RebuildLock(redis, prefix, 3_000);
  if (!(await lock.tryAcquire())) throw new Error('the rebuild lock was already taken');
  const extending = setInterval(() => void lock.extend(), 1_000);
  return {
    die: () => clearInterval(extending),
    close: async () => {
      clearInterval(extending);
      await redis.quit();
    },
  };
}

describe('fault 5: Redis restarts and loses the detector\'s state', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let redis: PrivateRedis;
  let flags: { messages: ReadMessage[]; stop: () => Promise<void> };
  let holder: Awaited<ReturnType<typeof holdRebuildLock>> | undefined;
  let secret: string;
  let ingestUrl: string;
  const tenantId = 'cardshop';
  const sent: SentEvent[] = [];

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    redis = new PrivateRedis(await freePort());
    await redis.start();
    services = [
      ...(await startServices(stack, ['ingest', 'refund-worker'])),
      ...(await startServices(stack, ['detector'], { REDIS_URL: redis.url, DETECTOR_REBUILD_LOCK_SECONDS: '6' })),
    ];
    ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    flags = await readTopic(stack.kafka, topicName('flags', stack.topicPrefix));
  }, 180_000);

  afterAll(async () => {
    await holder?.close();
    await flags?.stop();
    await stopServices(services ?? []);
    await redis?.kill();
    await stack?.close();
  }, 120_000);

  async function post(event: WebhookEvent, mistake?: SentEvent['mistake']): Promise<void> {
    const { status } = await postWebhook(ingestUrl, tenantId, secret, event);
    expect(status).toBe(202);
    const data = event.type === 'payment.succeeded' ? event.data : undefined;
    sent.push({ tenantId, eventId: event.id, type: event.type, status, ...(data ? { paymentId: data.paymentId, amount: data.amount } : {}), ...(mistake ? { mistake } : {}) });
  }

  /** One order paid twice; returns the second (the duplicate) payment id. */
  async function payTwice(): Promise<string> {
    const orderId = uniqueId('ord');
    const payerId = uniqueId('u');
    await post(paymentEvent({ orderId, payerId }, new Date(Date.now() - 2_000)));
    const second = paymentEvent({ orderId, payerId });
    await post(second, 'duplicate');
    return paymentIdOf(second);
  }

  const decisionFor = (paymentId: string) =>
    eventually(async () => (await stack.pool.query('SELECT action, status, reason FROM refund_decisions WHERE payment_id = $1', [paymentId])).rows[0] as { action: string; status: string; reason: string } | undefined, {
      timeoutMs: 60_000,
      what: `the decision on ${paymentId}`,
    });

  const flagsOfPayer = (payerId: string) => flags.messages.map((m) => Flag.parse(JSON.parse(m.value))).filter((flag) => flag.payment.payerId === payerId);
  const flagOn = (paymentId: string) =>
    eventually(async () => flags.messages.map((m) => Flag.parse(JSON.parse(m.value))).find((flag) => flag.payment.paymentId === paymentId), {
      timeoutMs: 60_000,
      what: `a flag on ${paymentId}`,
    });

  /** One of the detector's metrics, as Prometheus would scrape it; 0 before its first sample. */
  const metric = async (detector: ServiceProcess, name: string, labels: Record<string, string> = {}) =>
    metricSum(await scrapeMetrics(detector.address!), name, labels) ?? 0;
  const until = (detector: ServiceProcess, name: string, labels: Record<string, string>, value: number) =>
    eventually(async () => ((await metric(detector, name, labels)) === value ? true : undefined), { timeoutMs: 120_000, intervalMs: 500, what: `${name} ${JSON.stringify(labels)} to be ${value}` });

  it('refunds nothing automatically on evidence it no longer has, rebuilds the windows from the events topic, and keeps consuming', async () => {
    const detector = services.find((service) => service.name === 'detector')!;
    const eventsTopic = topicName('paymentEvents', stack.topicPrefix);
    expect(await decisionFor(await payTwice())).toMatchObject({ action: 'auto_refund' });

    // History that only the events topic will still have after the loss: a payer's top-ups
    // to one account, and an order paid once.
    const usualAccount = '8123456789';
    const toppingUp = uniqueId('u');
    for (const [hoursAgo, amount] of [[3, 5000], [2, 5200], [1, 4900]] as const) {
      await post(paymentEvent({ payerId: toppingUp, ...topup(usualAccount, amount) }, new Date(Date.now() - hoursAgo * hourMs)));
    }
    const buying = uniqueId('u');
    const orderId = uniqueId('ord');
    await post(paymentEvent({ payerId: buying, orderId }, new Date(Date.now() - 0.5 * hourMs)));
    await eventually(async () => ((await groupCaughtUp(stack.kafka, `${stack.topicPrefix}backstop-detector`, eventsTopic)) ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the detector to judge everything sent before the loss',
    });

    // The loss. The detector is frozen for the moment of the restart so that the stand-in for
    // another instance holds the rebuild before the detector can look at the empty Redis.
    detector.child.kill('SIGSTOP');
    try {
      await redis.kill();
      await redis.start();
      holder = await holdRebuildLock(redis.url, stack.redisPrefix);
    } finally {
      detector.child.kill('SIGCONT');
    }

    // While someone else rebuilds, evidence gathered after the loss is sound but the payer's
    // history before it is not back yet: a flag raised now goes to a reviewer, whatever its
    // rule would do on full evidence.
    const afterLoss = await decisionFor(await payTwice());
    expect(afterLoss).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(afterLoss.reason).toContain('rebuilding lost state');
    expect(detector.lines.some((line) => line.includes('payer state was lost from Redis'))).toBe(true);
    await until(detector, 'backstop_detector_state_rebuilding', {}, 1);

    // The instance rebuilding dies; once its lease runs out the detector takes over, replays
    // the events topic and marks the state rebuilt.
    holder.die();
    await until(detector, 'backstop_detector_state_rebuilds_total', { outcome: 'completed' }, 1);
    expect(await metric(detector, 'backstop_detector_state_rebuilding')).toBe(0);
    expect(await metric(detector, 'backstop_detector_state_replayed_events_total', { result: 'restored' })).toBe(6);
    const started = detector.lines.find((line) => line.includes('rebuilding payer state from the events topic'));
    expect(started && JSON.parse(started)).toMatchObject({ partitions: 3 });
    const ended = detector.lines.find((line) => line.includes('payer state rebuilt from the events topic'));
    // Everything judged before the loss was put back; what was judged since, the state already had.
    expect(ended && JSON.parse(ended)).toMatchObject({ restored: 6, known: 2, skipped: 0 });

    // After the rebuild, mistakes that rest on history from before the loss are caught, and
    // their flags are not marked: the refund policy treats them as it always would.
    const nearMiss = paymentEvent({ payerId: toppingUp, ...topup('8123456788', 5100, false) });
    await post(nearMiss, 'recipient');
    const paidAgain = paymentEvent({ payerId: buying, orderId });
    await post(paidAgain, 'duplicate');

    const nearMissFlag = await flagOn(paymentIdOf(nearMiss));
    expect(nearMissFlag).toMatchObject({ type: 'recipient.near_miss', evidence: { informationFlow: { observed: { probablyMeant: usualAccount } } } });
    expect(nearMissFlag.stateRebuilding).toBeUndefined();
    const duplicateFlag = await flagOn(paymentIdOf(paidAgain));
    expect(duplicateFlag.type).toBe('duplicate.exact');
    expect(duplicateFlag.stateRebuilding).toBeUndefined();
    expect(await decisionFor(paymentIdOf(paidAgain))).toMatchObject({ action: 'auto_refund' });
    expect((await decisionFor(paymentIdOf(nearMiss))).reason).not.toContain('rebuilding lost state');

    // The replay raised nothing of its own: each payer's flags share a partition, and the ones
    // just seen came after anything the replay could have published.
    expect(flagsOfPayer(toppingUp).map((flag) => flag.payment.paymentId)).toEqual([paymentIdOf(nearMiss)]);
    expect(flagsOfPayer(buying).map((flag) => flag.payment.paymentId)).toEqual([paymentIdOf(paidAgain)]);
    expect(detector.child.exitCode).toBeNull();

    const report = await checkStack(stack, sent, 'Redis lost the detector\'s state', { waitMs: 60_000 });
    expect(report.violationLines, report.evidence).toEqual([]);
  }, 300_000);
});
