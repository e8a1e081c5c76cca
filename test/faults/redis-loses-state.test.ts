import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../../infra/dev/service-process';
import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { checkStack } from '../support/invariants';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent, postWebhook, uniqueId } from '../support/webhooks';
import { freePort, PrivateRedis } from '../support/private-redis';

describe('fault 5: Redis restarts and loses the detector\'s state', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let redis: PrivateRedis;
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
      ...(await startServices(stack, ['detector'], { REDIS_URL: redis.url })),
    ];
    ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
  }, 180_000);

  afterAll(async () => {
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
    return second.type === 'payment.succeeded' ? second.data.paymentId : '';
  }

  const decisionFor = (paymentId: string) =>
    eventually(async () => (await stack.pool.query('SELECT action, status, reason FROM refund_decisions WHERE payment_id = $1', [paymentId])).rows[0] as { action: string; status: string; reason: string } | undefined, {
      timeoutMs: 60_000,
      what: `the decision on ${paymentId}`,
    });

  it('refunds nothing automatically on evidence it no longer has, and keeps consuming', async () => {
    const detector = services.find((service) => service.name === 'detector')!;
    expect(await decisionFor(await payTwice())).toMatchObject({ action: 'auto_refund' });

    await redis.kill();
    await redis.start();

    // Evidence gathered after the loss is sound, but the payer's history before it is gone:
    // a flag raised now goes to a reviewer, whatever its rule would do on full evidence.
    const afterLoss = await decisionFor(await payTwice());
    expect(afterLoss).toMatchObject({ action: 'review', status: 'pending_review' });
    expect(afterLoss.reason).toContain('rebuilding lost state');
    expect(detector.lines.some((line) => line.includes('payer state was lost from Redis'))).toBe(true);
    expect(detector.child.exitCode).toBeNull();

    const report = await checkStack(stack, sent, 'Redis lost the detector\'s state', 60_000);
    expect(report.violations).toEqual([]);
  }, 240_000);
});
