import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Flag, partitionKey, topicName } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import { ingested, readTopic } from '@backstop/testkit';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { exampleMapping } from '../support/example-mapping';
import { CODECS, kcatInstalled, kcatProduce } from '../support/kcat';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { watchEvents } from './harness';
import { platformRecord, withPlatformTopics } from '../support/platform-topics';

const tenantId = 'bigplatform';


describe('kcat, for the compressed-topic tests', () => {
  it.runIf(process.env.CI === 'true')('is installed where CI runs, so those tests never skip there', () => {
    expect(kcatInstalled, 'kcat is missing: .ci/run installs it with apt-get').toBe(true);
  });
});

const title = 'compressed topics: records from another Kafka client, in every codec, are read';
if (!kcatInstalled) console.warn(`skipping "${title}": kcat is not installed (apt-get install kcat, as .ci/run does)`);
describe.skipIf(!kcatInstalled)(kcatInstalled ? title : `${title} (skipped: kcat is not installed; apt-get install kcat, as .ci/run does)`, () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let sourceTopic: string;
  let platformTopics: Awaited<ReturnType<typeof withPlatformTopics>>;
  let events: Awaited<ReturnType<typeof watchEvents>>;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1, deadLetter: 1 });
    await createTenant(stack.pool, { tenantId, name: 'Big platform' });
    sourceTopic = `${stack.topicPrefix}platform.payments`;
    platformTopics = await withPlatformTopics(stack.kafka, [sourceTopic]);
    const sources = [{ tenantId, topic: sourceTopic, mapping: { ...exampleMapping, 'data.sku': 'order.sku' } }];
    services = await startServices(stack, ['ingest', 'detector'], { INGEST_SOURCES: JSON.stringify(sources) });
    events = await watchEvents(stack);
  }, 120_000);

  afterAll(async () => {
    await events?.stop();
    await stopServices(services ?? []);
    await platformTopics?.remove();
    await stack?.close();
  }, 60_000);

  it.each(CODECS)('the second door accepts records a platform compressed with %s', async (codec) => {
    const records = [10042, 10043, 10044, 10045].map((uid) => platformRecord({ user: { uid } }));
    const produced = await kcatProduce(stack.brokers, sourceTopic, codec, records.map((record) => ({ key: `u${record.user.uid}`, value: JSON.stringify(record) })));
    // librdkafka sends a batch uncompressed when that is smaller: this proves the codec was used.
    expect(produced.codecsUsed).not.toEqual([]);
    expect(new Set(produced.codecsUsed)).toEqual(new Set([codec]));

    for (const record of records) {
      const accepted = await events.arrival(record.eventNo);
      expect(accepted).toMatchObject({
        tenantId,
        event: { type: 'payment.succeeded', data: { paymentId: record.payment.no, orderId: record.order.no, payerId: String(record.user.uid), amount: 3000, sku: 'genshin-welkin-30d' } },
      });
    }
  }, 60_000);

  it('the detector flags an order paid twice from an events topic written in zstd', async () => {
    const flags = await readTopic(stack.kafka, topicName('flags', stack.topicPrefix));
    try {
      const payerId = uniqueId('u');
      const orderId = uniqueId('ord');
      const first = paymentEvent({ payerId, orderId });
      const second = paymentEvent({ payerId, orderId }, new Date(Date.now() + 1000));
      const produced = await kcatProduce(stack.brokers, topicName('paymentEvents', stack.topicPrefix), 'zstd', [first, second].map((event) => ({
        key: partitionKey(tenantId, payerId),
        value: JSON.stringify(ingested(tenantId, event)),
      })));
      expect(new Set(produced.codecsUsed)).toEqual(new Set(['zstd']));

      const flag = await eventually(async () => flags.messages.map((message) => Flag.parse(JSON.parse(message.value))).find((candidate) => candidate.payment.payerId === payerId), {
        what: `the detector's flag for ${payerId}`,
      });
      expect(flag).toMatchObject({ tenantId, type: 'duplicate.exact', payment: { orderId } });
      expect(second.type === 'payment.succeeded' && flag.payment.paymentId).toBe(second.data.paymentId);
    } finally {
      await flags.stop();
    }
  }, 60_000);
});
