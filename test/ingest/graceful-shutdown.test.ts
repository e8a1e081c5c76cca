import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type IngestedEvent } from '@backstop/contracts';
import { createIdempotentProducer } from '@backstop/kafka';
import { createTenant } from '@backstop/tenancy';
import { startServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from '../support/wait';
import { paymentEvent, postWebhook } from '../support/webhooks';

describe('graceful shutdown of a real ingest process', () => {
  let stack: IsolatedStack;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1 });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('finishes the requests in flight on SIGTERM: every 202 is on Kafka, and nothing unanswered-for is', async () => {
    const tenantId = 'cardshop';
    const { webhookSecret } = await createTenant(stack.pool, { tenantId, name: 'Card shop' });
    const [ingest] = await startServices(stack, ['ingest']);
    const events = Array.from({ length: 60 }, () => paymentEvent());
    let firstAnswer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => { firstAnswer = resolve; });
    let answers = 0;
    let sigtermSent = false;
    let answeredAfterSigterm = 0;
    const deliveries = events.map((event) =>
      postWebhook(ingest!.address!, tenantId, webhookSecret, event)
        .then((response) => ({ id: event.id, status: response.status }))
        .catch(() => ({ id: event.id, status: 0 }))
        .finally(() => {
          answers += 1;
          if (sigtermSent) answeredAfterSigterm += 1;
          firstAnswer();
        }),
    );
    await answered;
    // The window this test is about: SIGTERM lands while requests are still unanswered.
    const inFlightAtSigterm = events.length - answers;
    sigtermSent = true;
    const exitCode = await ingest!.stop('SIGTERM');
    const results = await Promise.all(deliveries);
    expect(inFlightAtSigterm).toBeGreaterThan(0);
    expect(answeredAfterSigterm).toBe(inFlightAtSigterm);
    expect(exitCode).toBe(0);
    expect(ingest!.lines.filter((line) => line.includes(webhookSecret) || line.includes('8000123456'))).toEqual([]);

    const accepted = results.filter((result) => result.status === 202).map((result) => result.id);
    const unknown = results.filter((result) => result.status === 0).map((result) => result.id);
    expect(accepted.length).toBeGreaterThan(0);
    expect(results.every((result) => [0, 202, 503].includes(result.status))).toBe(true);

    // The marker goes straight to the topic after the process exited: everything ingest
    // published was acknowledged before that, so it sits before the marker.
    const producer = createIdempotentProducer(stack.kafka);
    await producer.connect();
    const marker = paymentEvent();
    const topic = topicName('paymentEvents', stack.topicPrefix);
    await producer.send({ topic, acks: -1, messages: [{ value: JSON.stringify({ v: 1, tenantId, receivedAt: new Date().toISOString(), marks: [], event: marker }) }] });
    await producer.disconnect();
    const reader = await readTopic(stack.kafka, topic);
    try {
      const ids = () => reader.messages.map((message) => (JSON.parse(message.value) as IngestedEvent).event.id);
      await eventually(async () => (ids().includes(marker.id) ? true : undefined), { what: 'the marker' });
      const published = ids().filter((id) => id !== marker.id);
      for (const id of accepted) expect(published.filter((other) => other === id)).toHaveLength(1);
      // Only a request whose answer was lost may have been published without a 202; its retry is a duplicate.
      expect(published.filter((id) => !accepted.includes(id) && !unknown.includes(id))).toEqual([]);
    } finally {
      await reader.stop();
    }
  }, 90_000);
});
