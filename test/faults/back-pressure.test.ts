import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { topicName, type Flag } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import type { Producer } from 'kafkajs';
import type { ServiceName, ServiceProcess } from '../../infra/dev/service-process';
import { FaultProxy } from '../support/fault-proxy';
import { buildFlag } from '../support/flags';
import { checkStack } from '../support/invariants';
import { publishEvents, publishFlags } from '@backstop/testkit';
import { watchConsumer, type ConsumerSample } from '../support/metrics';
import { freePort, PrivateRedis } from '../support/private-redis';
import { startServices, stopServices } from '../support/services';
import { sendTraffic } from '../support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent, uniqueId } from '../support/webhooks';

/**
 * A slow Postgres in front of the refund worker, a slow Redis in front of the detector: every
 * chunk through the proxy is held DELAY_MS, so each round trip to the store takes twice that
 * longer. Under steady traffic the consumer must fall behind, and its own lag gauge must show
 * it. Then a backlog is published while the store is still slow. The consumer runs under a
 * heap limit (as in a container) that its own work fits in with room to spare but the backlog,
 * held decoded, would not: a consumer that read ahead into memory would run out of heap and
 * die. It must stay up, its resident memory within RSS_HEADROOM_MB of the busiest it was
 * before. Once the store is fast again the lag returns to 0, the backlog is all processed,
 * and the invariant checker finds nothing lost or doubled.
 */
const DELAY_MS = 200;
/**
 * Heap limits: each service's busiest batches fit with room to spare; its backlog, decoded,
 * would not. The refund worker at its defaults holds two flags partitions of 1 MiB each,
 * parsed and planned, while catching up: 45 MB sampled at its busiest.
 */
const HEAP_LIMIT_MB = { 'refund-worker': 80, detector: 96 } as const;
/** A generous bound over the busiest memory seen before the slowdown, not a measurement. */
const RSS_HEADROOM_MB = 80;
const MB = 1024 * 1024;
const tenantId = 'cardshop';
const backlogTenant = 'backlog';

interface Slowdown {
  stack: IsolatedStack;
  secret: string;
  proxy: FaultProxy;
  victim: ServiceProcess;
  ingestUrl: string;
  /** Publishes the backlog straight to the victim's topic. */
  publishBacklog: () => Promise<void>;
  /** Whether every backlog message left its mark in Postgres. */
  backlogProcessed: () => Promise<boolean>;
}

/** Runs steady traffic into the slowdown, adds the backlog while slow, and back out. */
async function throughSlowdown({ stack, secret, proxy, victim, ingestUrl, publishBacklog, backlogProcessed }: Slowdown) {
  const watch = watchConsumer(victim.address!);
  const alive = () => victim.child.exitCode === null && victim.child.signalCode === null;
  let answered = 0;
  const traffic = sendTraffic({ ingestUrl, tenantId, secret, count: 1_200, rate: 40, onAnswered: (count) => (answered = count) });
  try {
    await eventually(async () => (answered >= 200 ? true : undefined), { timeoutMs: 60_000, what: 'traffic to be flowing' });
    const busiestBefore = Math.max(...watch.samples.map((sample) => sample.rssBytes));

    proxy.slow(DELAY_MS);
    const slowFrom = Date.now();
    await eventually(async () => ((watch.latest()?.lag ?? 0) >= 50 ? true : undefined), { timeoutMs: 45_000, what: `${victim.name}'s lag to grow on traffic alone` });
    await publishBacklog();
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    expect(alive(), `${victim.name} died while its store was slow:\n${victim.lines.slice(-10).join('\n')}`).toBe(true);
    const whileSlow = watch.since(slowFrom);
    proxy.slow(0);
    const slowUntil = Date.now();

    const sent = await traffic.done;
    const caughtUp = await eventually(
      async () => (!alive() ? 'died' : watch.latest()?.lag === 0 && watch.latest()!.at > Date.now() - 2_000 ? 'caught up' : undefined),
      { timeoutMs: 180_000, intervalMs: 500, what: `${victim.name}'s lag to return to 0` },
    );
    expect(caughtUp, `${victim.name} died catching up:\n${victim.lines.slice(-10).join('\n')}`).toBe('caught up');
    report(victim.name, watch.samples, slowFrom, slowUntil, busiestBefore);

    const peakRss = Math.max(...whileSlow.map((sample) => sample.rssBytes));
    expect(peakRss).toBeLessThan(busiestBefore + RSS_HEADROOM_MB * MB);
    expect(sent.filter((event) => event.status !== 200 && event.status !== 202)).toEqual([]);
    const checked = await checkStack(stack, sent, `${victim.name}'s store slowed by ${DELAY_MS} ms a chunk`, { waitMs: 180_000 });
    expect(checked.violationLines, checked.evidence).toEqual([]);
    expect(checked.caught).toBe(checked.planted);
    expect(await backlogProcessed()).toBe(true);
  } finally {
    await watch.stop();
  }
}

/** Prints the lag and memory series, so a run's log shows what the slowdown did. */
function report(name: string, samples: ConsumerSample[], slowFrom: number, slowUntil: number, busiestBefore: number): void {
  const series = samples.map((s) => `${Math.round((s.at - slowFrom) / 1000)}s ${s.lag} ${(s.rssBytes / MB).toFixed(0)}/${(s.heapUsedBytes / MB).toFixed(0)}`);
  const slow = samples.filter((s) => s.at >= slowFrom && s.at <= slowUntil);
  process.stdout.write(
    `${name}, seconds from the slowdown (slow until ${Math.round((slowUntil - slowFrom) / 1000)}s), lag, RSS/heap used MB: ${series.join(', ')}\n` +
      `${name}: RSS busiest before ${(busiestBefore / MB).toFixed(1)} MB, peak while slow ${(Math.max(...slow.map((s) => s.rssBytes)) / MB).toFixed(1)} MB; ` +
      `peak lag ${Math.max(...slow.map((s) => s.lag))}\n`,
  );
}

/** The flag with `count` earlier payments of its payer padded into its fund flow, a day apart. */
function withPaddedHistory(flag: Flag, count: number): Flag {
  const [cited] = flag.evidence.fundFlow;
  const history = Array.from({ length: count }, (_, index) => ({
    ...cited!, paymentId: `${cited!.paymentId}_h${index}`, occurredAt: new Date(Date.parse(cited!.occurredAt) - (index + 1) * 86_400_000).toISOString(),
  }));
  return { ...flag, evidence: { ...flag.evidence, fundFlow: [...history, cited!] } };
}

function logsOf(services: ServiceProcess[]): void {
  for (const service of services) {
    const ended = service.child.exitCode ?? service.child.signalCode ?? 'running';
    console.log(`${service.name} (${ended}) log:\n${service.lines.slice(-20).join('\n')}`);
  }
}

/** A stack with a tenant for traffic and one for the backlog, and the victim behind `proxy`. */
async function stackWithVictim(victim: keyof typeof HEAP_LIMIT_MB, proxyFor: (stack: IsolatedStack) => Promise<{ proxy: FaultProxy; env: Record<string, string> }>) {
  const stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
  const secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
  await createTenant(stack.pool, { tenantId: backlogTenant, name: 'Backlog' });
  const { proxy, env } = await proxyFor(stack);
  const producer = stack.kafka.producer();
  await producer.connect();
  const others = (['ingest', 'detector', 'refund-worker'] as ServiceName[]).filter((name) => name !== victim);
  const services = await startServices(stack, others);
  services.push(...(await startServices(stack, [victim], { ...env, NODE_OPTIONS: `--max-old-space-size=${HEAP_LIMIT_MB[victim]}` })));
  return {
    stack, secret, proxy, producer, services,
    victim: services.find((service) => service.name === victim)!,
    ingestUrl: services.find((service) => service.name === 'ingest')!.address!,
    async close() {
      proxy.slow(0);
      await stopServices(services);
      await producer.disconnect();
      await proxy.refuse();
      await stack.close();
    },
  };
}

describe('back-pressure: Postgres slowed in front of the refund worker', () => {
  const BACKLOG_FLAGS = 20_000;
  /**
   * Earlier payments padded into each backlog flag's fund flow, more than a real flag cites:
   * about 4 KB a flag, 80 MB on the topic and more than that parsed, well over the heap limit
   * if held decoded, while the count of flags (what Postgres's time follows) stays small.
   */
  const PADDED_PAYMENTS = 24;
  let setup: Awaited<ReturnType<typeof stackWithVictim>>;

  beforeAll(async () => {
    setup = await stackWithVictim('refund-worker', async (stack) => {
      const database = new URL(stack.databaseUrl);
      const proxy = new FaultProxy({ host: database.hostname, port: Number(database.port || 5432) });
      await proxy.accept();
      return { proxy, env: { DATABASE_URL: proxy.route(stack.databaseUrl) } };
    });
  }, 180_000);

  beforeEach(({ onTestFailed }) => onTestFailed(() => logsOf(setup.services)));

  afterAll(async () => {
    await setup?.close();
  }, 120_000);

  it('falls behind while Postgres is slow, leaves the backlog in Kafka rather than in memory, and catches up', async () => {
    const { stack, producer } = setup;
    // Outliers go to review: each is a flag and a decision, with no refund command to relay.
    const flags = Array.from({ length: BACKLOG_FLAGS }, () => withPaddedHistory(buildFlag(backlogTenant, { type: 'amount.outlier' }), PADDED_PAYMENTS));
    await throughSlowdown({
      ...setup,
      publishBacklog: async () => {
        // Small sends: a produce request over the broker's 1 MiB limit is refused.
        for (let i = 0; i < flags.length; i += 150) await publishFlags(producer, topicName('flags', stack.topicPrefix), flags.slice(i, i + 150));
      },
      backlogProcessed: async () => {
        const stored = await stack.pool.query<{ flags: number }>('SELECT count(*)::int AS flags FROM flags WHERE tenant_id = $1', [backlogTenant]);
        return stored.rows[0]!.flags === BACKLOG_FLAGS;
      },
    });
  }, 420_000);
});

describe('back-pressure: Redis slowed in front of the detector', () => {
  /** About 80 MB of heap if held decoded (90 000 events), on top of the detector's own 20 or so. */
  const BACKLOG_PAYERS = 86_000;
  /** Every PAIR_EVERY-th payer pays for one order twice: that pair must come out as a duplicate flag. */
  const PAIR_EVERY = 20;
  let setup: Awaited<ReturnType<typeof stackWithVictim>>;
  let redis: PrivateRedis;

  beforeAll(async () => {
    setup = await stackWithVictim('detector', async () => {
      redis = new PrivateRedis(await freePort());
      await redis.start();
      const proxy = new FaultProxy({ host: '127.0.0.1', port: redis.port });
      await proxy.accept();
      return { proxy, env: { REDIS_URL: proxy.route(redis.url) } };
    });
  }, 180_000);

  beforeEach(({ onTestFailed }) => onTestFailed(() => logsOf(setup.services)));

  afterAll(async () => {
    await setup?.close();
    await redis?.kill();
  }, 120_000);

  it('falls behind while Redis is slow, leaves the backlog in Kafka rather than in memory, and catches up', async () => {
    const { stack, producer } = setup;
    const payers = Array.from({ length: BACKLOG_PAYERS }, () => uniqueId('u_backlog'));
    const paired = new Set(payers.filter((_, index) => index % PAIR_EVERY === 0));
    const startedAt = Date.now() - 3_600_000;
    await throughSlowdown({
      ...setup,
      publishBacklog: async () => {
        const topic = topicName('paymentEvents', stack.topicPrefix);
        for (let i = 0; i < payers.length; i += 500) {
          const events = payers.slice(i, i + 500).flatMap((payerId, offset) => {
            const index = i + offset;
            const at = startedAt + index * 60_000;
            const orderId = uniqueId('ord_backlog');
            const first = paymentEvent({ payerId, orderId, merchantId: 'm_backlog' }, new Date(at));
            return index % PAIR_EVERY === 0 ? [first, paymentEvent({ payerId, orderId, merchantId: 'm_backlog' }, new Date(at + 1_500))] : [first];
          });
          await publishEvents(producer, topic, backlogTenant, events);
        }
      },
      // Singles leave no flag; the pairs, spread through the whole backlog, each leave one.
      backlogProcessed: async () => {
        const flagged = await stack.pool.query<{ payer_id: string }>(
          "SELECT DISTINCT payer_id FROM flags WHERE tenant_id = $1 AND type = 'duplicate.exact'",
          [backlogTenant],
        );
        return flagged.rows.length === paired.size && flagged.rows.every((row) => paired.has(row.payer_id));
      },
    });
  }, 420_000);
});
