import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type WebhookEvent } from '@backstop/contracts';
import { DeadLetter } from '@backstop/kafka';
import { createTenant } from '@backstop/tenancy';
import { startServiceProcess, type ServiceProcess } from '../infra/dev/service-process';
import { detectorHarness, newPayer, verdicts, type DetectorHarness } from './support/detector';
import { metricSum, scrapeMetrics } from './support/metrics';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { paymentEvent, uniqueId } from './support/webhooks';

/**
 * What the detector does when things go wrong: redelivered batches, a process killed between
 * the Redis update and the Kafka acknowledgement, late events, and messages it cannot read.
 */
const tenantId = 'cardshop';
const minute = 60_000;
const base = Date.now() - 10 * 24 * 3_600_000;
const at = (offsetMs: number) => new Date(base + offsetMs);
const paymentIdOf = (event: WebhookEvent) => (event.type === 'payment.succeeded' ? event.data.paymentId : '');
let markerDay = 1;
const nextMarkerTime = () => at((markerDay++) * 24 * 3_600_000);

describe('detector recovery on real Kafka and Redis', () => {
  let stack: IsolatedStack;
  let detector: DetectorHarness;
  let running: ServiceProcess | undefined;

  async function startDetector(env: Record<string, string> = {}): Promise<ServiceProcess> {
    const service = startServiceProcess('detector', { ...stack.env, DETECTOR_SESSION_TIMEOUT_MS: '6000', ...env });
    await service.ready;
    running = service;
    return service;
  }

  async function stopDetector(): Promise<void> {
    await running?.stop('SIGTERM');
    running = undefined;
  }

  /** Same payer, same order paid twice: the later charge is a duplicate. */
  function paidTwice(payerId: string, offsetMs: number): [WebhookEvent, WebhookEvent] {
    const orderId = uniqueId('ord');
    return [paymentEvent({ payerId, orderId }, at(offsetMs)), paymentEvent({ payerId, orderId }, at(offsetMs + 1500))];
  }

  const flagIdsOf = (payerId: string) => detector.flagsOfPayer(payerId).map((f) => f.flagId);

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId, name: 'Card shop' });
    detector = await detectorHarness(stack, tenantId);
    await startDetector();
  }, 120_000);

  afterAll(async () => {
    await stopDetector();
    await detector?.close();
    await stack?.close();
  }, 60_000);

  it('re-emits exactly the same flags, and no new ones, when a whole batch is redelivered', async () => {
    const u = newPayer();
    const [first, second] = paidTwice(u, 0);
    const again = paymentEvent({ payerId: u }, at(4000));
    await detector.publish([first, second, again]);
    const firstMarker = await detector.marker(u, nextMarkerTime());
    const original = flagIdsOf(u);
    expect(verdicts(detector.flagsOfPayer(u), [firstMarker])).toEqual(
      [['duplicate.exact', paymentIdOf(second)], ['duplicate.suspected', paymentIdOf(again)]].sort((a, b) => a.join().localeCompare(b.join())),
    );

    // Rewind the detector's group to the beginning: every event is delivered again.
    await stopDetector();
    const admin = stack.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId: `${stack.topicPrefix}backstop-detector`, topic: topicName('paymentEvents', stack.topicPrefix), earliest: true });
    await admin.disconnect();
    await startDetector();

    const secondMarker = await detector.marker(u, nextMarkerTime());
    const after = flagIdsOf(u).filter((id) => !detector.flagsOfPayer(u).some((f) => f.flagId === id && f.payment.paymentId === secondMarker));
    const counts = new Map<string, number>();
    for (const id of after) counts.set(id, (counts.get(id) ?? 0) + 1);
    expect(new Set(after)).toEqual(new Set(original));
    expect([...counts.values()].every((count) => count === 2)).toBe(true);
  }, 120_000);

  it.each(['detector.after-redis-update', 'detector.after-flags-sent'])(
    'comes back from a SIGKILL at %s with the same flags and no new ones',
    async (point) => {
      await stopDetector();
      const crashing = await startDetector({ FAULT_KILL_AT: point });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => crashing.child.once('exit', (_code, signal) => resolve(signal)));
      const u = newPayer();
      const [first, second] = paidTwice(u, 0);
      await detector.publish([first, second]);
      expect(await exited).toBe('SIGKILL');
      running = undefined;

      const successor = await startDetector();
      const marker = await detector.marker(u, nextMarkerTime());
      const flags = detector.flagsOfPayer(u).filter((f) => f.payment.paymentId !== marker);
      // The redone batch is visible: what a clean restart must keep at zero.
      expect(metricSum(await scrapeMetrics(successor.address!), 'backstop_detector_redelivered_events_total')).toBeGreaterThan(0);
      // One flag, by id: killed before the flags were sent, it is sent once; killed after, the
      // redelivery sends the very same flag again (downstream dedupes on flagId).
      expect(new Set(flags.map((f) => f.flagId)).size).toBe(1);
      expect(flags).toHaveLength(point === 'detector.after-flags-sent' ? 2 : 1);
      expect(flags.every((f) => f.type === 'duplicate.exact' && f.payment.paymentId === paymentIdOf(second))).toBe(true);
      expect(flags.map((f) => f.evidence)).toEqual(flags.map(() => flags[0]!.evidence));
    },
    120_000,
  );

  it('still catches a late event inside the allowed lateness, judged in event time', async () => {
    const u = newPayer();
    const original = paymentEvent({ payerId: u }, at(0));
    const newer = paymentEvent({ payerId: u, sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 }, at(3 * minute));
    // Arrives after `newer` but happened 2 s after `original`: a resubmit the platform reported late.
    const late = paymentEvent({ payerId: u }, at(2000));
    await detector.publish([original, newer]);
    await detector.publish([late]);
    const marker = await detector.marker(u, nextMarkerTime());
    expect(verdicts(detector.flagsOfPayer(u), [marker])).toEqual([['duplicate.suspected', paymentIdOf(late)]]);
  }, 90_000);

  it('evaluates an event later than the allowed lateness against the state that remains, and counts it', async () => {
    const u = newPayer();
    const original = paymentEvent({ payerId: u }, at(0));
    const newer = paymentEvent({ payerId: u, sku: 'skin-crimson', category: 'skin', unitPrice: 3200, amount: 3200 }, at(30 * minute));
    const late = paymentEvent({ payerId: u }, at(2000));
    await detector.publish([original, newer]);
    await detector.publish([late]);
    const marker = await detector.marker(u, nextMarkerTime());
    expect(verdicts(detector.flagsOfPayer(u), [marker])).toEqual([['duplicate.suspected', paymentIdOf(late)]]);
    expect(running!.lines.some((line) => line.includes('late events evaluated against the remaining state'))).toBe(true);
  }, 90_000);

  it('sends a poison message to the dead-letter topic with its reason and goes on with the next one', async () => {
    const u = newPayer();
    await detector.publishRaw(`${tenantId}:${u}`, '{"v":1,"tenantId":"cardshop", truncated');
    await detector.publishRaw(`${tenantId}:${u}`, JSON.stringify({ v: 1, tenantId, receivedAt: new Date().toISOString(), event: { id: 'evt_bad', type: 'payment.succeeded' } }));
    const marker = await detector.marker(u, nextMarkerTime());
    expect(detector.flagsOfPayer(u).map((f) => f.payment.paymentId)).toEqual([marker]);

    const letters = await eventually(async () => {
      const parsed = detector.deadLetters().map((m) => DeadLetter.parse(JSON.parse(m.value)));
      return parsed.length >= 2 ? parsed : undefined;
    }, { what: 'two dead letters' });
    expect(letters).toHaveLength(2);
    expect(letters[0]!.reason).toMatch(/JSON/);
    expect(letters[1]!.reason).toMatch(/invalid event/);
    expect(Buffer.from(letters[0]!.valueBase64!, 'base64').toString()).toContain('truncated');
    expect(letters.every((l) => l.sourceTopic === topicName('paymentEvents', stack.topicPrefix) && l.consumer === 'detector')).toBe(true);
  }, 90_000);
  it('drains a backlog whose flags in one batch outgrow a single produce request', async () => {
    await stopDetector();
    // Each order paid three times: two of every three events are flagged, so a partition's
    // fetch of this backlog yields more flags than the broker's 1 MiB message limit, which
    // used to stop the consumer for good.
    const payers = Array.from({ length: 3_000 }, () => newPayer());
    const events = payers.flatMap((payerId, index) => {
      const orderId = uniqueId('ord');
      return [0, 1500, 3000].map((offsetMs) => paymentEvent({ payerId, orderId }, at(index * minute + offsetMs)));
    });
    for (let i = 0; i < events.length; i += 1_000) await detector.publish(events.slice(i, i + 1_000));
    await startDetector();
    const wanted = new Set(payers);
    await eventually(async () => {
      const flagged = new Set(detector.flags().filter((f) => wanted.has(f.payment.payerId) && f.type === 'duplicate.exact').map((f) => f.payment.payerId));
      return flagged.size === payers.length ? true : undefined;
    }, { timeoutMs: 90_000, what: 'a duplicate flag for every payer of the backlog' });
  }, 150_000);
});
