import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { checkStack } from '../support/invariants';
import { startServices, stopServices } from '../support/services';
import { sendTraffic } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';

const partitions = { paymentEvents: 6, flags: 2 };

describe('fault 6: detectors join and one dies in a consumer group while traffic flows', () => {
  let stack: IsolatedStack;
  const services: ServiceProcess[] = [];
  let secret: string;
  const tenantId = 'cardshop';

  beforeAll(async () => {
    stack = await createIsolatedStack(partitions);
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    services.push(...(await startServices(stack, ['ingest', 'refund-worker', 'detector', 'detector'])));
  }, 180_000);

  afterAll(async () => {
    await stopServices(services);
    await stack?.close();
  }, 120_000);

  it('two, then three detectors; one SIGKILLed mid-stream: nothing lost, nothing flagged or decided twice', async () => {
    const ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    let answered = 0;
    const traffic = sendTraffic({ ingestUrl, tenantId, secret, count: 1_200, rate: 40, onAnswered: (count) => (answered = count) });

    await eventually(async () => (answered >= 300 ? true : undefined), { timeoutMs: 60_000, what: 'traffic to be flowing' });
    const [third] = await startServices(stack, ['detector']);
    services.push(third!);

    await eventually(async () => (answered >= 700 ? true : undefined), { timeoutMs: 60_000, what: 'traffic after the third detector joined' });
    const victim = services.find((service) => service.name === 'detector')!;
    expect(await victim.stop('SIGKILL')).toBeNull();
    expect(victim.child.signalCode).toBe('SIGKILL');

    const sent = await traffic.done;
    const report = await checkStack(stack, sent, 'three detectors, one killed mid-stream', { waitMs: 120_000, services });
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
    for (const service of services.filter((s) => s !== victim)) expect(service.child.exitCode, `${service.name} exited`).toBeNull();
  }, 300_000);
});
