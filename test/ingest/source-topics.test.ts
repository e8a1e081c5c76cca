import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type IngestedEvent } from '@backstop/contracts';
import { createIdempotentProducer, DeadLetter } from '@backstop/kafka';
import { createTenant } from '@backstop/tenancy';
import type { Producer } from 'kafkajs';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { exampleMapping } from '../support/example-mapping';
import type { SourceTopic } from '../../services/ingest/src/source/mapping';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from '../support/wait';
import { paymentEvent, postWebhook } from '../support/webhooks';
import { platformRecord, withPlatformTopics } from '../support/platform-topics';


describe('platform topics: the second door', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let producer: Producer;
  let secret: string;
  const tenantId = 'bigplatform';
  let sources: SourceTopic[];
  let platformTopics: Awaited<ReturnType<typeof withPlatformTopics>>;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, deadLetter: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Big platform' })).webhookSecret;
    sources = [
      {
        tenantId,
        topic: `${stack.topicPrefix}platform.payments`,
        // The example layout, with more of it read from the record itself.
        mapping: {
          ...exampleMapping,
          'data.merchantId': { const: 'm_big' },
          'data.sku': 'order.sku',
          'data.amount': 'payment.fen',
          'data.currency': 'payment.currency',
          'data.recipientAccount': 'user.account',
        },
      },
      { tenantId, topic: `${stack.topicPrefix}platform.contract-events` },
    ];
    platformTopics = await withPlatformTopics(stack.kafka, sources.map((source) => source.topic), 2);
    producer = createIdempotentProducer(stack.kafka);
    await producer.connect();
    services = await startServices(stack, ['ingest'], { INGEST_SOURCES: JSON.stringify(sources) });
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await producer?.disconnect();
    await platformTopics?.remove();
    await stack?.close();
  }, 60_000);

  const publish = (topic: string, values: (object | string)[]) =>
    producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'u10042', value: typeof value === 'string' ? value : JSON.stringify(value) })) });

  it('republishes valid records once, dead-letters invalid ones with the reason without stopping, and commits after', async () => {
    const [mapped, contract] = sources.map((source) => source.topic) as [string, string];
    const good = platformRecord();
    const accountNumber = '6222020000001234567';
    const badCurrency = platformRecord({ payment: { no: 'pay_bad', fen: 3000, currency: 'ABC' }, user: { uid: 10042, account: accountNumber } });
    const later = platformRecord();
    const direct = paymentEvent({ payerId: '10042' });
    await publish(mapped, [good, good, '{"eventNo": "evt_broken"', badCurrency, later]);
    await publish(contract, [direct, { ...direct, data: { ...direct.data, amount: 1 } }]);

    // The same event arriving by webhook is a duplicate of the record: one memory for both doors.
    const viaWebhook = paymentEvent({ payerId: '10042' });
    await publish(contract, [viaWebhook]);

    const events = await readTopic(stack.kafka, topicName('paymentEvents', stack.topicPrefix));
    const deadLetters = await readTopic(stack.kafka, topicName('deadLetter', stack.topicPrefix));
    try {
      const parsed = () => events.messages.map((message) => JSON.parse(message.value) as IngestedEvent);
      await eventually(async () => (parsed().some((message) => message.event.id === viaWebhook.id) ? true : undefined), { what: 'the webhook-also event' });
      expect((await postWebhook(services[0]!.address!, tenantId, secret, viaWebhook)).status).toBe(200);

      // The marker: a last record on each topic; once both are out, everything before them is too.
      const markers = [platformRecord(), paymentEvent({ payerId: '10042' })];
      await publish(mapped, [markers[0]!]);
      await publish(contract, [markers[1]!]);
      const markerIds = [(markers[0] as { eventNo: string }).eventNo, (markers[1] as { id: string }).id];
      await eventually(async () => (markerIds.every((id) => parsed().some((message) => message.event.id === id)) ? true : undefined), { what: 'the markers' });

      const count = (id: string) => parsed().filter((message) => message.event.id === id).length;
      expect(count(good.eventNo)).toBe(1);
      expect(count(later.eventNo)).toBe(1);
      expect(count(direct.id)).toBe(1);
      expect(count(viaWebhook.id)).toBe(1);
      expect(count(badCurrency.eventNo)).toBe(0);
      const republished = parsed().find((message) => message.event.id === good.eventNo)!;
      expect(republished).toMatchObject({
        tenantId,
        event: { type: 'payment.succeeded', occurredAt: new Date(good.paidAtMs).toISOString(), data: { paymentId: good.payment.no, payerId: '10042', amount: 3000, currency: 'CNY', merchantId: 'm_big' } },
      });
      expect(events.messages.find((message) => message.value.includes(good.eventNo))!.key).toBe(`${tenantId}:10042`);

      const letters = await eventually(async () => (deadLetters.messages.length >= 3 ? deadLetters.messages.map((m) => DeadLetter.parse(JSON.parse(m.value))) : undefined), { what: 'dead letters' });
      expect(letters.map((letter) => letter.reason.split(':')[0]).sort()).toEqual(['event-id-reused', 'invalid-event', 'malformed-json']);
      const invalid = letters.find((letter) => letter.reason.startsWith('invalid-event'))!;
      expect(invalid).toMatchObject({ sourceTopic: mapped, consumer: 'ingest-source' });
      expect(invalid.reason).toContain('$.data.currency');
      expect(invalid.reason).not.toContain(accountNumber);
      expect(services[0]!.lines.some((line) => line.includes('dead-letter'))).toBe(true);
      expect(services[0]!.lines.filter((line) => line.includes(accountNumber) || line.includes(secret))).toEqual([]);
      expect(JSON.parse(Buffer.from(invalid.valueBase64!, 'base64').toString())).toEqual(badCurrency);

      const admin = stack.kafka.admin();
      await admin.connect();
      try {
        const groupId = `${stack.topicPrefix}backstop-ingest-sources`;
        const committed = await eventually(async () => {
          const offsets = await admin.fetchOffsets({ groupId, topics: [mapped, contract] });
          const total = offsets.flatMap((topic) => topic.partitions).reduce((sum, partition) => sum + Math.max(0, Number(partition.offset)), 0);
          return total === 6 + 4 ? total : undefined;
        }, { what: 'offsets committed past every record' });
        expect(committed).toBe(10);
      } finally {
        await admin.disconnect();
      }
    } finally {
      await events.stop();
      await deadLetters.stop();
    }
  }, 90_000);
});
