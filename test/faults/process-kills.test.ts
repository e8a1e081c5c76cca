import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import { startServiceProcess, type ServiceName, type ServiceProcess } from '../../infra/dev/service-process';
import { checkStack } from '../support/invariants';
import { startServices, stopServices } from '../support/services';
import { sendTraffic } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';

/**
 * Faults 2 and 3 under a stream of simulated traffic: the detector killed in the middle of a
 * batch (its state updated, its flags sent, its offsets not committed) and the refund worker
 * killed between its database commit and its offset commit. Each kill lands at a
 * fault-injection switch after a few batches have passed it; a new process takes over.
 */
describe.each([
  { victim: 'detector' as ServiceName, point: 'detector.after-flags-sent' },
  { victim: 'refund-worker' as ServiceName, point: 'refund-worker.after-db-commit' },
])('fault: $victim SIGKILLed at $point while traffic flows', ({ victim, point }) => {
  let stack: IsolatedStack;
  const services: ServiceProcess[] = [];
  let secret: string;
  const tenantId = 'cardshop';
  const others = (['ingest', 'detector', 'refund-worker'] as ServiceName[]).filter((name) => name !== victim);

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    services.push(...(await startServices(stack, others)));
  }, 180_000);

  afterAll(async () => {
    await stopServices(services);
    await stack?.close();
  }, 120_000);

  it('the restarted process redoes the batch; nothing is lost, flagged or decided twice', async () => {
    const crashing = startServiceProcess(victim, { ...stack.env, FAULT_KILL_AT: point, FAULT_KILL_AFTER: '5' });
    services.push(crashing);
    await crashing.ready;
    const exited = new Promise((resolve) => crashing.child.once('exit', (_code, signal) => resolve(signal)));
    const ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    const traffic = sendTraffic({ ingestUrl, tenantId, secret, count: 600, rate: 40 });

    expect(await exited).toBe('SIGKILL');
    const [restarted] = await startServices(stack, [victim]);
    services.push(restarted!);
    const sent = await traffic.done;
    await eventually(async () => (restarted!.child.exitCode === null ? true : undefined), { what: `${victim} to stay up` });

    const report = await checkStack(stack, sent, `${victim} killed at ${point}`, { waitMs: 120_000 });
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
  }, 240_000);
});
