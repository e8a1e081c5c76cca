import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { topicName } from '@backstop/contracts';
import { createKafka, ensureTopics } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createTenant } from '@backstop/tenancy';
import { rmSync } from 'node:fs';
import { defaultBrokerOptions, startBroker, type RunningBroker } from '../../infra/kafka/broker';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { paymentEvent } from '../support/webhooks';
import { postEvent, startIngest, watchEvents, type IngestUnderTest } from './harness';

/** A broker of this file's own, so stopping it disturbs nobody else. */
const brokerOptions = defaultBrokerOptions(Number(process.env.INGEST_OUTAGE_BROKER_PORT ?? 29192));

describe('the broker goes away while platforms keep posting', () => {
  let stack: IsolatedStack;
  let broker: RunningBroker | undefined;
  let ingest: IngestUnderTest;
  let secret: string;
  const tenantId = 'cardshop';
  const kafka = createKafka([`127.0.0.1:${brokerOptions.port}`], 'outage-test', createLogger('outage-test', 'silent'));

  beforeAll(async () => {
    rmSync(brokerOptions.dataDir, { recursive: true, force: true });
    stack = await createIsolatedStack({ paymentEvents: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    broker = await startBroker(brokerOptions, { log: () => undefined });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic: topicName('paymentEvents', stack.topicPrefix), numPartitions: 1 }]);
    await admin.disconnect();
    ingest = await startIngest(stack, { brokers: [`127.0.0.1:${brokerOptions.port}`] });
  }, 180_000);

  afterAll(async () => {
    await ingest?.close();
    await broker?.stop();
    await stack?.close();
    rmSync(brokerOptions.dataDir, { recursive: true, force: true });
  }, 120_000);

  it('answers 503 with Retry-After, records nothing, and accepts the retry exactly once when the broker is back', async () => {
    const before = paymentEvent();
    expect((await postEvent(ingest.app, tenantId, secret, before)).statusCode).toBe(202);

    await broker!.stop();
    const event = paymentEvent();
    const refused = await postEvent(ingest.app, tenantId, secret, event);
    expect(refused.statusCode).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.json().type).toBe(`${PROBLEM_BASE}broker-unavailable`);

    broker = await startBroker(brokerOptions, { log: () => undefined });
    const retried = await postEvent(ingest.app, tenantId, secret, event);
    expect(retried.statusCode).toBe(202);
    const again = await postEvent(ingest.app, tenantId, secret, event);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'duplicate', receivedAt: retried.json().receivedAt });

    const topic = await watchEvents(stack, kafka);
    try {
      await topic.expectNothingBefore(ingest.app, tenantId, secret, () => false);
      expect(topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
      expect(topic.events().filter((message) => message.event.id === before.id)).toHaveLength(1);
    } finally {
      await topic.stop();
    }
  }, 180_000);
});
