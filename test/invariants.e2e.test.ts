import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { checkStack } from './support/invariants';
import { startServices, stopServices } from './support/services';
import { sendTraffic } from './support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from './support/stack';

describe('the invariant checker on simulated traffic through every real service', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  const tenantId = 'cardshop';
  let secret: string;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker']);
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('finds every accepted event consumed, every planted mistake flagged, one decision per charge', async () => {
    const ingestUrl = services.find((service) => service.name === 'ingest')!.address!;
    const sent = await sendTraffic({ ingestUrl, tenantId, secret, count: 700, rate: 70 }).done;

    const report = await checkStack(stack, sent, 'a clean run');
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.accepted).toBe(new Set(sent.map((event) => event.eventId)).size);
    const plantedKinds = new Set(sent.filter((event) => event.mistake).map((event) => event.mistake));
    expect([...plantedKinds].sort()).toEqual(['amount', 'duplicate', 'product', 'recipient']);
    expect(report.caught).toBe(report.planted);
    expect(report.decisions).toBeGreaterThan(0);
  }, 180_000);

  it('reports what is missing: an accepted event the system never saw, and a planted mistake nobody flagged', async () => {
    const report = await checkStack(stack, [
      { tenantId, eventId: 'evt_never_sent_to_ingest', type: 'payment.succeeded', paymentId: 'pay_never', amount: 100, mistake: 'duplicate', status: 202 },
    ], 'a forged sender record', { waitMs: 10_000 });
    expect(report.violations.map((violation) => violation.invariant).sort()).toEqual(['every accepted event reached Kafka', 'every planted mistake was flagged']);
  }, 60_000);
});
