import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import { Cluster, createRedis, type Redis } from '@backstop/redis';
import { RedisCluster } from '../../infra/cluster/redis-cluster';
import { postEvent, signedRequest, startIngest, watchEvents, type IngestUnderTest } from '../ingest/harness';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { paymentEvent } from '../support/webhooks';

/**
 * Ingest's admission (rate limit and delivery memory, one script call per tenant per turn)
 * on a real Redis Cluster: tenants whose keys land on different masters are admitted side
 * by side, a retry is still answered from the first delivery, and a batch is published once.
 */
describe('ingest on Redis Cluster', () => {
  let nodes: RedisCluster;
  let stack: IsolatedStack;
  let ingest: IngestUnderTest;
  let topic: Awaited<ReturnType<typeof watchEvents>>;
  let probe: Redis;
  const tenants: { tenantId: string; secret: string }[] = [];

  beforeAll(async () => {
    nodes = await RedisCluster.start({ masters: 3, replicas: 1 });
    probe = createRedis(nodes.url, 'ingest-cluster-probe');
    stack = await createIsolatedStack({ paymentEvents: 1 });
    for (const tenantId of ['shop-a', 'shop-b', 'shop-c', 'shop-d', 'shop-e', 'shop-f']) {
      tenants.push({ tenantId, secret: (await createTenant(stack.pool, { tenantId, name: tenantId })).webhookSecret });
    }
    ingest = await startIngest(stack, { redisUrl: nodes.url });
    topic = await watchEvents(stack);
  }, 180_000);

  afterAll(async () => {
    await topic?.stop();
    await ingest?.close();
    await stack?.close();
    probe?.disconnect();
    await nodes?.stop();
  });

  it('admits concurrent tenants spread over the masters, each event once, and answers retries from the first delivery', async () => {
    const sent = tenants.map(({ tenantId, secret }) => ({ tenantId, secret, event: paymentEvent() as WebhookEvent }));
    const first = await Promise.all(sent.map(({ tenantId, secret, event }) => postEvent(ingest.app, tenantId, secret, event)));
    expect(first.map((response) => response.statusCode)).toEqual(sent.map(() => 202));
    const retries = await Promise.all(sent.map(({ tenantId, secret, event }) => postEvent(ingest.app, tenantId, secret, event)));
    expect(retries.map((response) => response.statusCode)).toEqual(sent.map(() => 200));

    const batchTenant = tenants[0]!;
    const batch = Array.from({ length: 40 }, () => paymentEvent() as WebhookEvent);
    const body = JSON.stringify({ events: batch });
    const batchAnswer = await ingest.app.inject(signedRequest({ ...batchTenant, body, id: 'batch_1', url: '/v1/webhooks/payments:batch' }));
    const statuses = (answer: { json: () => { results: { status: string }[] } }) => answer.json().results.map((result) => result.status);
    expect(batchAnswer.statusCode).toBe(200);
    expect(statuses(batchAnswer)).toEqual(batch.map(() => 'accepted'));
    const again = await ingest.app.inject(signedRequest({ ...batchTenant, body, id: 'batch_2', url: '/v1/webhooks/payments:batch' }));
    expect(statuses(again)).toEqual(batch.map(() => 'duplicate'));

    for (const { event } of sent) await topic.arrival(event.id);
    for (const event of batch) await topic.arrival(event.id);
    // The marker proves every retry and the repeated batch have had their chance to publish.
    await topic.expectNothingBefore(ingest.app, batchTenant.tenantId, batchTenant.secret, () => false);
    const copies = new Map<string, number>();
    for (const message of topic.events()) copies.set(message.event.id, (copies.get(message.event.id) ?? 0) + 1);
    expect([...copies].filter(([, count]) => count > 1)).toEqual([]);

    // The tenants' delivery memories really live on different masters.
    const holders = await Promise.all(
      (probe as Cluster).nodes('master').map(async (node) => (await node.keys(`${stack.redisPrefix}:ingest:seen:*`)).length > 0),
    );
    expect(holders.filter(Boolean).length, 'masters holding some tenant\'s delivery memory').toBeGreaterThan(1);
  }, 120_000);
});
