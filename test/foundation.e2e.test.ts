import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type RefundDecision } from '@backstop/contracts';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from './support/wait';
import { paymentEvent, postWebhook, uniqueId } from './support/webhooks';

describe('one mistake caught end to end: the same order paid twice', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let ingestUrl: string;
  let consoleUrl: string;
  let secret: string;
  let financeKey: string;
  const tenantId = 'cardshop';

  beforeAll(async () => {
    stack = await createIsolatedStack();
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    financeKey = (await createApiKey(stack.pool, tenantId, 'finance')).apiKey;
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker', 'console']);
    ingestUrl = services.find((s) => s.name === 'ingest')!.address!;
    consoleUrl = services.find((s) => s.name === 'console')!.address!;
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  async function refunds(): Promise<RefundDecision[]> {
    const response = await fetch(`${consoleUrl}/v1/refunds?limit=500`, { headers: { authorization: `Bearer ${financeKey}` } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { data: RefundDecision[] }).data;
  }

  async function payTwice(orderId: string, payerId: string, sku = 'genshin-welkin-30d') {
    const first = paymentEvent({ orderId, payerId, sku, amount: 3000, unitPrice: 3000 }, new Date(Date.now() - 1500));
    const second = paymentEvent({ orderId, payerId, sku, amount: 3000, unitPrice: 3000 }, new Date());
    expect((await postWebhook(ingestUrl, tenantId, secret, first)).status).toBe(202);
    expect((await postWebhook(ingestUrl, tenantId, secret, second)).status).toBe(202);
    return { first, second };
  }

  it('refunds the later charge in full, once', async () => {
    const { first, second } = await payTwice(uniqueId('ord'), uniqueId('u'));
    const laterPaymentId = second.type === 'payment.succeeded' ? second.data.paymentId : '';

    const decision = await eventually(async () => (await refunds()).find((d) => d.paymentId === laterPaymentId), { what: 'the refund decision' });
    expect(decision).toMatchObject({
      tenantId,
      paymentId: laterPaymentId,
      flagType: 'duplicate.exact',
      action: 'auto_refund',
      amount: 3000,
      currency: 'CNY',
      idempotencyKey: `refund:${tenantId}:${laterPaymentId}`,
    });
    // The outbox relay may already have published the command.
    expect(['approved', 'sent']).toContain(decision.status);
    const flag = await stack.pool.query('SELECT evidence FROM flags WHERE tenant_id = $1 AND flag_id = $2', [tenantId, decision.flagId]);
    const fundFlow = flag.rows[0].evidence.fundFlow as { paymentId: string; amount: number }[];
    expect(fundFlow.map((p) => p.paymentId).sort()).toEqual(
      [first.type === 'payment.succeeded' ? first.data.paymentId : '', laterPaymentId].sort(),
    );
  }, 90_000);

  it('treats a webhook retry (same event id) as one event: no flag, no refund', async () => {
    const retried = paymentEvent({ payerId: uniqueId('u') });
    const firstDelivery = await postWebhook(ingestUrl, tenantId, secret, retried);
    const secondDelivery = await postWebhook(ingestUrl, tenantId, secret, retried);
    expect(firstDelivery.status).toBe(202);
    expect(secondDelivery.status).toBe(200);
    expect(secondDelivery.body).toMatchObject({ status: 'duplicate', eventId: retried.id, receivedAt: firstDelivery.body.receivedAt });

    // The marker: a real duplicate posted afterwards. Once its refund exists, anything the retry
    // could have caused would have been processed before it on the same pipeline. Another sku,
    // so the marker is not itself a suspected duplicate of the retried purchase.
    const marker = await payTwice(uniqueId('ord'), retried.type === 'payment.succeeded' ? retried.data.payerId : '', 'genshin-welkin-90d');
    const markerPaymentId = marker.second.type === 'payment.succeeded' ? marker.second.data.paymentId : '';
    await eventually(async () => (await refunds()).find((d) => d.paymentId === markerPaymentId), { what: 'the marker refund' });

    const retriedPaymentId = retried.type === 'payment.succeeded' ? retried.data.paymentId : '';
    expect((await refunds()).filter((d) => d.paymentId === retriedPaymentId)).toEqual([]);
    const flags = await stack.pool.query('SELECT payment_id FROM flags WHERE tenant_id = $1 AND payment_id = $2', [tenantId, retriedPaymentId]);
    expect(flags.rowCount).toBe(0);

    const events = await readTopic(stack.kafka, topicName('paymentEvents', stack.topicPrefix));
    try {
      await eventually(async () => (events.messages.some((m) => m.value.includes(marker.second.id)) ? true : undefined), { what: 'the marker on the events topic' });
      expect(events.messages.filter((m) => JSON.parse(m.value).event.id === retried.id)).toHaveLength(1);
    } finally {
      await events.stop();
    }
  }, 90_000);
});
