import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { checkStack } from '../support/invariants';
import { startServices, stopServices } from '../support/services';
import { sendTraffic } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { PrivateBroker } from './private-broker';

const OUTAGE_MS = 20_000;
const partitions = { paymentEvents: 3, flags: 2 };

describe('fault 1: the Kafka broker stops for 20 seconds in the middle of a stream', () => {
  const broker = new PrivateBroker(Number(process.env.FAULT_BROKER_PORT ?? 29292));
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let secret: string;
  const tenantId = 'cardshop';

  beforeAll(async () => {
    await broker.destroy();
    await broker.start();
    stack = await createIsolatedStack(partitions);
    await broker.createTopics(stack.topicPrefix, partitions);
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker', 'console'], { KAFKA_BROKERS: broker.brokers.join(',') });
  }, 180_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await broker.destroy();
    await stack?.close();
  }, 120_000);

  it('loses nothing and refunds nothing twice once the broker is back', async () => {
    const ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    let answered = 0;
    const traffic = sendTraffic({ ingestUrl, tenantId, secret, count: 1_500, rate: 40, onAnswered: (count) => (answered = count) });

    await eventually(async () => (answered >= 300 ? true : undefined), { timeoutMs: 60_000, what: 'traffic to be flowing' });
    await broker.stop();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await broker.start();
    const sent = await traffic.done;

    // The outage landed on the stream (ingest refused while the broker was away), and the
    // platform's retries carried every event through: it cost time, not events.
    expect(traffic.retried()).toBeGreaterThan(0);
    expect(sent.filter((event) => event.status !== 200 && event.status !== 202)).toEqual([]);
    const report = await checkStack(stack, sent, 'a 20 s broker outage', { waitMs: 120_000, brokers: broker.brokers, services });
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
    for (const service of services) expect(service.child.exitCode, `${service.name} exited`).toBeNull();
  }, 300_000);
});
