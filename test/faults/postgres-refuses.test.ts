import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { groupLag } from '../../infra/tools/invariants/collect';
import { FaultProxy } from '../support/fault-proxy';
import { checkStack } from '../support/invariants';
import { startServices, stopServices } from '../support/services';
import { sendTraffic } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';

const OUTAGE_MS = 30_000;

describe('fault 4: Postgres refuses the refund worker\'s connections for 30 seconds', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let proxy: FaultProxy;
  let secret: string;
  const tenantId = 'cardshop';

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    const database = new URL(stack.databaseUrl);
    proxy = new FaultProxy({ host: database.hostname, port: Number(database.port || 5432) });
    await proxy.accept();
    services = [
      ...(await startServices(stack, ['ingest', 'detector'])),
      ...(await startServices(stack, ['refund-worker'], { DATABASE_URL: proxy.route(stack.databaseUrl) })),
    ];
  }, 180_000);

  afterAll(async () => {
    await proxy?.accept();
    await stopServices(services ?? []);
    await proxy?.refuse();
    await stack?.close();
  }, 120_000);

  it('the worker pauses without crashing, lets flags wait in Kafka, and catches up', async () => {
    const worker = services.find((service) => service.name === 'refund-worker')!;
    const ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    let answered = 0;
    const traffic = sendTraffic({ ingestUrl, tenantId, secret, count: 1_000, rate: 40, onAnswered: (count) => (answered = count) });

    await eventually(async () => (answered >= 250 ? true : undefined), { timeoutMs: 60_000, what: 'traffic to be flowing' });
    await proxy.refuse();
    const refusedAt = Date.now();
    // Flags pile up in Kafka, not in the worker: its group falls behind while Postgres is away.
    const flagsTopic = topicName('flags', stack.topicPrefix);
    await eventually(async () => ((await groupLag(stack.kafka, `${stack.topicPrefix}backstop-refund-worker`, flagsTopic)) > 0 ? true : undefined), {
      timeoutMs: OUTAGE_MS,
      what: 'the refund worker to fall behind',
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, refusedAt + OUTAGE_MS - Date.now())));
    expect(worker.child.exitCode, `the worker exited while Postgres was away:\n${worker.lines.slice(-15).join('\n')}`).toBeNull();
    await proxy.accept();

    const sent = await traffic.done;
    const report = await checkStack(stack, sent, 'Postgres refusing for 30 s', { waitMs: 120_000 });
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
    // One process throughout: paused, not restarted.
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
  }, 300_000);
});
