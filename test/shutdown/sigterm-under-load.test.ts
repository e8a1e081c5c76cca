import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { topicName, type IngestedEvent, type WebhookEvent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { ServiceName, ServiceProcess } from '../../infra/dev/service-process';
import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { checkStack } from '../support/invariants';
import { metricSum, scrapeMetrics } from '../support/metrics';
import { startServices, stopServices } from '../support/services';
import { connectionRefused, EXIT_LIMIT_MS, halfSentRequest, loggedLine, selfTerminated, terminate } from '../support/shutdown';
import { sendTraffic, type TrafficRun } from '../support/simulated-traffic';
import { openEventStream, type ServerSentEvent } from '../support/sse';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from '../support/wait';
import { paymentEvent } from '../support/webhooks';

/**
 * SIGTERM on each of the four services while traffic flows through all of them, then a new
 * process in its place. Each stop must end with exit 0 inside the service's shutdown bound,
 * and the invariant checker, run over everything sent so far, must find nothing lost or
 * doubled. The consumers are stopped twice: by a signal from outside, wherever they are, and
 * by one that lands mid-batch; either way their successors redo nothing (redelivery counters
 * stay 0).
 */
describe('SIGTERM under load, then a successor', () => {
  let stack: IsolatedStack;
  const running = new Map<ServiceName, ServiceProcess>();
  const started: ServiceProcess[] = [];
  const allSent: SentEvent[] = [];
  const tenantId = 'cardshop';
  let secret: string;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    for (const service of await startServices(stack, ['ingest', 'detector', 'refund-worker', 'console'])) replace(service);
  }, 180_000);

  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      for (const service of started) console.log(`${service.name} (pid ${service.child.pid}) log:\n${service.lines.slice(-25).join('\n')}`);
    });
  });

  afterAll(async () => {
    await stopServices(started);
    await stack?.close();
  }, 120_000);

  function replace(service: ServiceProcess): ServiceProcess {
    running.set(service.name, service);
    started.push(service);
    return service;
  }

  const service = (name: ServiceName) => running.get(name)!;

  /** 480 events over 12 s; `flowing()` resolves once a quarter of them are answered. */
  function steadyTraffic(tenant = tenantId, tenantSecret = secret): TrafficRun & { flowing: () => Promise<unknown> } {
    let answered = 0;
    const traffic = sendTraffic({ ingestUrl: service('ingest').address!, tenantId: tenant, secret: tenantSecret, count: 480, rate: 40, onAnswered: (count) => (answered = count) });
    const flowing = () => eventually(async () => (answered >= 120 ? true : undefined), { timeoutMs: 60_000, what: 'traffic to be flowing' });
    return { ...traffic, flowing };
  }

  /** Waits for the traffic's final answers, then checks every event sent in this file so far. */
  async function everythingAccountedFor(traffic: TrafficRun, label: string, extra: SentEvent[] = []) {
    const sent = [...(await traffic.done), ...extra];
    allSent.push(...sent);
    expect(sent.filter((event) => event.status !== 200 && event.status !== 202), 'events the sender could not get accepted').toEqual([]);
    const report = await checkStack(stack, allSent, label, { waitMs: 120_000 });
    expect(report.violationLines, report.evidence).toEqual([]);
    expect(report.caught).toBe(report.planted);
    return report;
  }

  it('ingest answers the request in flight, refuses new connections, and its successor on the same port takes the retries', async () => {
    const ingest = service('ingest');
    const { hostname, port } = new URL(ingest.address!);
    const traffic = steadyTraffic();
    await traffic.flowing();

    // Its body still arriving when the signal lands: in flight by any definition.
    const straggler = paymentEvent();
    const body = JSON.stringify(straggler);
    const request = halfSentRequest(ingest.address!, '/v1/webhooks/payments', { 'content-type': 'application/json', 'x-tenant-id': tenantId, ...signedHeaders(secret, straggler.id, body) }, body);
    await request.start();
    const from = ingest.lines.length;
    const stopping = terminate(ingest);
    await eventually(async () => (loggedLine(ingest, 'shutting down', from) ? true : undefined), { what: 'ingest to start shutting down' });
    await eventually(async () => ((await connectionRefused(hostname, Number(port))) ? true : undefined), { what: 'new connections to be refused' });
    // Refused by a process still alive: it is waiting for the straggler, not gone.
    expect(ingest.child.exitCode).toBeNull();
    request.finish();
    const answer = await request.response;
    expect(answer.status).toBe(202);
    expect(answer.headers).toContain('connection: close');
    const { code, tookMs } = await stopping;
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(EXIT_LIMIT_MS);

    replace((await startServices(stack, ['ingest'], { INGEST_PORT: port }))[0]!);
    const data = (straggler as Extract<WebhookEvent, { type: 'payment.succeeded' }>).data;
    await everythingAccountedFor(traffic, 'ingest stopped by SIGTERM', [
      { tenantId, eventId: straggler.id, type: straggler.type, status: answer.status, paymentId: data.paymentId, amount: data.amount },
    ]);
    // The stop landed on the stream: senders were refused or answered 503, retried, and got in.
    process.stdout.write(`events that needed a retry across the ingest restart: ${traffic.retried()}\n`);
    expect(traffic.retried()).toBeGreaterThan(0);
    const published = await eventIdsPublished();
    expect([...published].filter(([, copies]) => copies > 1)).toEqual([]);
    expect(published.get(straggler.id)).toBe(1);
  }, 240_000);

  const consumers = [
    { name: 'detector' as const, working: 'flags published', redelivered: 'backstop_detector_redelivered_events_total', midBatch: 'detector.after-flags-sent' },
    { name: 'refund-worker' as const, working: 'refund decisions recorded', redelivered: 'backstop_refund_worker_redelivered_flags_total', midBatch: 'refund-worker.after-db-commit' },
  ];

  /** After a stop, a successor works through the rest of the stream and redoes none of it. */
  async function successorRedoesNothing(name: ServiceName, working: string, redelivered: string, traffic: TrafficRun, label: string) {
    const successor = replace((await startServices(stack, [name]))[0]!);
    await everythingAccountedFor(traffic, label);
    expect(loggedLine(successor, working)).toBe(true);
    // Nothing the predecessor took was handed over half done: every batch it started, it
    // finished and committed. The crash tests show these counters move when a batch is redone.
    expect(metricSum(await scrapeMetrics(successor.address!), redelivered)).toBe(0);
  }

  it.each(consumers)('$name stops on SIGTERM between or during batches, commits, and its successor redoes nothing', async ({ name, working, redelivered }) => {
    const victim = service(name);
    const from = victim.lines.length;
    const traffic = steadyTraffic();
    await traffic.flowing();
    await eventually(async () => (loggedLine(victim, working, from) ? true : undefined), { timeoutMs: 60_000, what: `${name} to be busy` });
    const { code, tookMs } = await terminate(victim);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(EXIT_LIMIT_MS);
    await successorRedoesNothing(name, working, redelivered, traffic, `${name} stopped by SIGTERM`);
  }, 240_000);

  it.each(consumers)('$name finishes and commits the batch in hand when SIGTERM lands in its middle (at $midBatch)', async ({ name, working, redelivered, midBatch }) => {
    // The running process makes way before the traffic starts; the one under test signals
    // itself on its fourth batch, after the batch's effects and before its offset commit.
    expect((await terminate(service(name))).code).toBe(0);
    const interrupted = replace((await startServices(stack, [name], { FAULT_KILL_AT: midBatch, FAULT_SIGNAL: 'SIGTERM', FAULT_KILL_AFTER: '3' }))[0]!);
    const traffic = steadyTraffic();
    const { code, tookMs } = await selfTerminated(interrupted);
    expect(code).toBe(0);
    expect(tookMs).toBeLessThan(EXIT_LIMIT_MS);
    await successorRedoesNothing(name, working, redelivered, traffic, `${name} stopped by SIGTERM at ${midBatch}`);
  }, 240_000);

  it('console ends its live feeds on SIGTERM; a reader resumes on the successor with no flag missed or repeated', async () => {
    const feedTenant = 'feedshop';
    const feedSecret = (await createTenant(stack.pool, { tenantId: feedTenant, name: 'Feed shop' })).webhookSecret;
    const auth = { authorization: `Bearer ${(await createApiKey(stack.pool, feedTenant, 'ops')).apiKey}` };
    const flagIds = (events: ServerSentEvent[]) => events.filter((e) => e.event === 'flag').map((e) => (JSON.parse(e.data) as { flagId: string }).flagId);

    const stream = await openEventStream(`${service('console').address}/v1/flags/stream`, auth);
    let resumed: Awaited<ReturnType<typeof openEventStream>> | undefined;
    try {
      await eventually(async () => (stream.events.some((e) => e.event === 'ready') ? true : undefined), { what: 'the feed to be live' });
      const traffic = steadyTraffic(feedTenant, feedSecret);
      await eventually(async () => (flagIds(stream.events).length >= 5 ? true : undefined), { timeoutMs: 60_000, what: 'flags on the live feed' });
      const { code, tookMs } = await terminate(service('console'));
      expect(code).toBe(0);
      expect(tookMs).toBeLessThan(EXIT_LIMIT_MS);
      // The server ended the stream itself; an open feed did not hold the process up.
      await stream.ended;

      const successor = replace((await startServices(stack, ['console']))[0]!);
      const lastSeen = stream.events.filter((e) => e.event === 'flag').at(-1)!.id!;
      resumed = await openEventStream(`${successor.address}/v1/flags/stream`, { ...auth, 'last-event-id': lastSeen });
      expect(resumed.status).toBe(200);
      await everythingAccountedFor(traffic, 'console stopped by SIGTERM');

      const storedFlags = async () => (await stack.pool.query<{ flag_id: string }>('SELECT flag_id FROM flags WHERE tenant_id = $1 ORDER BY xid, seq', [feedTenant])).rows.map((row) => row.flag_id);
      const reader = resumed;
      const seen = () => [...flagIds(stream.events), ...flagIds(reader.events)];
      // Compared until they agree: a flag stored a moment ago may still be on its way to the
      // reader. A flag missed or repeated never agrees, and the final comparison shows which.
      await eventually(async () => (JSON.stringify(seen()) === JSON.stringify(await storedFlags()) ? true : undefined), { timeoutMs: 60_000, what: 'the resumed feed to show every stored flag once' }).catch(() => undefined);
      expect(seen()).toEqual(await storedFlags());
    } finally {
      await resumed?.close();
      await stream.close();
    }
  }, 240_000);

  /** How many times each event id is on the events topic, read to its current end. */
  async function eventIdsPublished(): Promise<Map<string, number>> {
    const topic = topicName('paymentEvents', stack.topicPrefix);
    const admin = stack.kafka.admin();
    await admin.connect();
    const total = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    await admin.disconnect();
    const reader = await readTopic(stack.kafka, topic);
    try {
      await eventually(async () => (reader.messages.length >= total ? true : undefined), { timeoutMs: 60_000, what: 'the whole events topic' });
      const copies = new Map<string, number>();
      for (const message of reader.messages) {
        const id = (JSON.parse(message.value) as IngestedEvent).event.id;
        copies.set(id, (copies.get(id) ?? 0) + 1);
      }
      return copies;
    } finally {
      await reader.stop();
    }
  }
});
