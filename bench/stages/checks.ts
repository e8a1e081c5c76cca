/**
 * Stage 6: pre-payment checks. (a) A real ingest process answering `POST /v1/checks` on a
 * payer state filled beforehand, offered 1,000, 5,000 and 20,000 checks/s in an open loop,
 * beside a bare Fastify route doing the same HMAC and parse at the same rates
 * (bench/baselines/bare-fastify.ts). (b) Detection latency with events alone at 1,000/s, then
 * with checks at 1,000/s beside them, on real ingest, detector and refund-worker processes.
 */
import { loadavg } from 'node:os';
import type { CheckIntent, PaymentSnapshot, WebhookEvent } from '@backstop/contracts';
import { createPayerStateStore, PayerStateSettings } from '@backstop/detection';
import { Random, TrafficGenerator } from '@backstop/testkit';
import { topicName } from '@backstop/contracts';
import { startServiceProcess, type ServiceProcess } from '../../infra/dev/service-process';
import { offerChecks, type CheckLoadOutcome } from '../checks/check-load';
import { DetectionLatencyWatcher } from '../e2e/observers';
import { offerLoad } from '../e2e/open-loop';
import { readCpu } from '../lib/cpu-sampler';
import { summarize, type LatencySummary } from '../lib/latency';
import { createSlice, type Endpoints, type Slice } from '../lib/slice';
import { startBareFastify } from './ingest';

export interface CheckRateRow {
  target: 'ingest' | 'bare-fastify';
  offeredPerS: number;
  answeredPerS: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  confirmed: number;
  degraded: number;
  failed: number;
  /** The machine's one-minute load average as the step began: other work on a shared machine shows here. */
  loadAverage: number;
  /** CPU time the answering process spent per answered check (µs): what a check costs, however busy the machine. */
  serverCpuMicrosPerCheck: number;
}

export interface ChecksBesideDetection {
  eventsPerS: number;
  checksPerS: number;
  alone: LatencySummary;
  withChecks: LatencySummary;
  checks: LatencySummary;
  checksDegraded: number;
}

export interface ChecksResult {
  payers: number;
  paymentsPerPayer: number;
  rates: CheckRateRow[];
  beside?: ChecksBesideDetection;
}

export interface ChecksOptions {
  rates: number[];
  seconds: number;
  besideSeconds: number;
}

const PAYERS = 5_000;
const PAYMENTS_PER_PAYER = 12;
const SKUS = [
  { sku: '腾讯Q币-30', category: '游戏点卡', price: 3000 },
  { sku: 'genshin-welkin-30d', category: '游戏点卡', price: 3000 },
  { sku: 'steam-wallet-100', category: 'wallet-card', price: 10000 },
  { sku: 'pack-68', category: 'game-pack', price: 6800 },
];

/** A month of history for every payer, written by the detector's own state store, and a paid order each to ask about again. */
async function fillState(slice: Slice, random: Random): Promise<string[]> {
  const store = createPayerStateStore(slice.redis, PayerStateSettings.parse({ REDIS_KEY_PREFIX: slice.redisPrefix }));
  const paidOrders: string[] = [];
  const now = Date.now();
  for (let from = 0; from < PAYERS; from += 200) {
    const requests: { tenantId: string; payment: PaymentSnapshot }[] = [];
    for (let payer = from; payer < Math.min(PAYERS, from + 200); payer += 1) {
      const account = String(8_000_000_000 + payer);
      for (let n = 0; n < PAYMENTS_PER_PAYER; n += 1) {
        const item = random.pick(SKUS);
        const id = `${payer}-${n}`;
        requests.push({
          tenantId: slice.tenantId,
          payment: {
            eventId: `evt_${id}`, paymentId: `pay_${id}`, orderId: `ord_${id}`, payerId: `u_${payer}`, merchantId: 'm_cardshop', kind: 'purchase',
            sku: item.sku, category: item.category, quantity: 1, unitPrice: item.price, amount: item.price, currency: 'CNY',
            recipientAccount: account, recipientVerified: true, channel: 'alipay',
            occurredAt: new Date(now - (PAYMENTS_PER_PAYER - n) * 2.5 * 86_400_000).toISOString(),
          },
        });
      }
      paidOrders[payer] = `ord_${payer}-${PAYMENTS_PER_PAYER - 1}`;
    }
    await store.observe(requests);
  }
  return paidOrders;
}

/** Checks by the payers of the state: mostly a new order of a usual card, one in ten an order already paid. */
function intents(random: Random, paidOrders: string[]): () => CheckIntent {
  let sequence = 0;
  return () => {
    sequence += 1;
    const payer = random.int(0, PAYERS - 1);
    const item = random.pick(SKUS);
    const again = random.chance(0.1);
    return {
      intentId: `int_${sequence}_${random.digits(6)}`, orderId: again ? paidOrders[payer]! : `ord_new_${sequence}`, payerId: `u_${payer}`, merchantId: 'm_cardshop',
      kind: 'purchase', sku: item.sku, category: item.category, quantity: 1, unitPrice: item.price, amount: item.price, currency: 'CNY',
      recipientAccount: String(8_000_000_000 + payer), recipientVerified: true, channel: 'alipay',
    };
  };
}

function row(target: CheckRateRow['target'], rate: number, outcome: CheckLoadOutcome, loadAverage: number, serverCpuSeconds: number): CheckRateRow {
  return {
    serverCpuMicrosPerCheck: outcome.answered > 0 ? Math.round((serverCpuSeconds * 1e6) / outcome.answered) : 0,
    loadAverage: Math.round(loadAverage * 10) / 10,
    target, offeredPerS: rate, answeredPerS: Math.round(outcome.answered / (outcome.elapsedMs / 1000)),
    p50Ms: outcome.latency.p50Ms, p99Ms: outcome.latency.p99Ms, p999Ms: outcome.latency.p999Ms,
    confirmed: outcome.confirmed, degraded: outcome.degraded, failed: outcome.failed,
  };
}

/** A step of checks, with the machine's load average as it began and the CPU seconds the answering process spent. */
async function offerChecksAt(load: Parameters<typeof offerChecks>[0], pid: number | undefined): Promise<[CheckLoadOutcome, number, number]> {
  const loadAverage = loadavg()[0]!;
  const before = readCpu({ server: pid }).get('server') ?? 0;
  const outcome = await offerChecks(load);
  return [outcome, loadAverage, (readCpu({ server: pid }).get('server') ?? 0) - before];
}

async function ratesAgainstBaseline(endpoints: Endpoints, options: ChecksOptions, log: (line: string) => void): Promise<CheckRateRow[]> {
  const slice = await createSlice(endpoints, 'checks');
  const random = new Random(20261130);
  const rows: CheckRateRow[] = [];
  const record = (r: CheckRateRow) => {
    rows.push(r);
    log(`  ${r.target} ${r.offeredPerS} checks/s offered (load average ${r.loadAverage}): ${r.answeredPerS}/s answered, p50 ${r.p50Ms} p99 ${r.p99Ms} p99.9 ${r.p999Ms} ms; confirm ${r.confirmed}, degraded ${r.degraded}, failed ${r.failed}; ${r.serverCpuMicrosPerCheck} µs of CPU per check`);
  };
  let ingest: ServiceProcess | undefined;
  try {
    const paidOrders = await fillState(slice, random);
    ingest = startServiceProcess('ingest', { ...slice.serviceEnv, INGEST_PORT: '0', ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}) });
    await ingest.ready;
    const next = intents(random, paidOrders);
    const run = (url: string, pid: number | undefined, rate: number, seconds: number) =>
      offerChecksAt({ url, tenantId: slice.tenantId, secret: slice.webhookSecret, rate, durationMs: seconds * 1000, intent: next }, pid);
    await run(ingest.address!, ingest.child.pid, 500, 2); // warm-up: JIT, connections, the tenant's rules and secrets
    for (const rate of options.rates) record(row('ingest', rate, ...(await run(ingest.address!, ingest.child.pid, rate, options.seconds))));
    await ingest.stop('SIGTERM');
    ingest = undefined;
    const bare = await startBareFastify(slice.webhookSecret);
    try {
      await run(bare.url, bare.pid, 500, 2);
      for (const rate of options.rates) record(row('bare-fastify', rate, ...(await run(bare.url, bare.pid, rate, options.seconds))));
    } finally {
      await bare.stop();
    }
  } finally {
    await ingest?.stop('SIGTERM');
    await slice.drop();
  }
  return rows;
}

/** The event source, remembering recent payments so checks can be made by payers who exist. */
function rememberingPayments(source: TrafficGenerator) {
  const recent: Extract<WebhookEvent, { type: 'payment.succeeded' }>[] = [];
  return {
    recent,
    next() {
      const generated = source.next();
      if (generated.event.type === 'payment.succeeded') {
        recent.push(generated.event);
        if (recent.length > 5_000) recent.shift();
      }
      return generated;
    },
  };
}

async function besideDetection(endpoints: Endpoints, seconds: number, log: (line: string) => void): Promise<ChecksBesideDetection> {
  const eventsPerS = 1_000;
  const checksPerS = 1_000;
  const slice = await createSlice(endpoints, 'checkside');
  const services: ServiceProcess[] = [];
  const watcher = new DetectionLatencyWatcher(slice.kafka, topicName('flags', slice.topicPrefix));
  try {
    const env = { ...slice.serviceEnv, INGEST_PORT: '0', INGEST_RATE_PER_S: '1000000', INGEST_RATE_BURST: '1000000', INGEST_BODY_LIMIT: String(4 * 1024 * 1024) };
    for (const name of ['ingest', 'detector', 'refund-worker'] as const) services.push(startServiceProcess(name, env));
    await Promise.all(services.map((service) => service.ready));
    await watcher.start();
    const ingestUrl = services[0]!.address!;
    const mix = { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 };
    const source = rememberingPayments(new TrafficGenerator({ mix, payers: eventsPerS * 600 }));
    const random = new Random(7);
    let sequence = 0;
    const intent = (): CheckIntent => {
      sequence += 1;
      const paid = source.recent.length > 0 ? random.pick(source.recent) : undefined;
      const { paymentId: _paymentId, ...data } = paid?.data ?? { paymentId: '', orderId: 'o', payerId: 'u_none', merchantId: 'm', kind: 'purchase' as const, amount: 100, currency: 'CNY', quantity: 1 };
      return { ...data, orderId: `ord_check_${sequence}`, intentId: `int_side_${sequence}` };
    };
    const events = (ms: number) => offerLoad({ ingestUrl, tenantId: slice.tenantId, secret: slice.webhookSecret, rate: eventsPerS, durationMs: ms, tickMs: 5, source });

    await events(3_000); // warm-up
    const alone = watcher.beginStep();
    await events(seconds * 1000);
    alone.end();
    const together = watcher.beginStep();
    const [, checks] = await Promise.all([
      events(seconds * 1000),
      offerChecks({ url: ingestUrl, tenantId: slice.tenantId, secret: slice.webhookSecret, rate: checksPerS, durationMs: seconds * 1000, intent }),
    ]);
    together.end();
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // the last flags reach the watcher
    const result = { eventsPerS, checksPerS, alone: summarize(alone.histogram), withChecks: summarize(together.histogram), checks: checks.latency, checksDegraded: checks.degraded };
    log(`  detection at ${eventsPerS} events/s alone: p50 ${result.alone.p50Ms} p99 ${result.alone.p99Ms} ms (${result.alone.count} flags); with ${checksPerS} checks/s beside: p50 ${result.withChecks.p50Ms} p99 ${result.withChecks.p99Ms} ms (${result.withChecks.count} flags); checks p50 ${checks.latency.p50Ms} p99 ${checks.latency.p99Ms} ms, ${checks.degraded} degraded`);
    return result;
  } finally {
    await watcher.stop().catch(() => undefined);
    for (const service of services) await service.stop('SIGTERM');
    await slice.drop();
  }
}

export async function benchChecks(endpoints: Endpoints, options: ChecksOptions, log: (line: string) => void): Promise<ChecksResult> {
  const rates = await ratesAgainstBaseline(endpoints, options, log);
  const beside = options.besideSeconds > 0 ? await besideDetection(endpoints, options.besideSeconds, log) : undefined;
  return { payers: PAYERS, paymentsPerPayer: PAYMENTS_PER_PAYER, rates, ...(beside ? { beside } : {}) };
}
