/**
 * Stage 4: the whole pipeline under an open-loop load. Ingest, detector and refund worker run
 * as real processes in one slice; signed batches of realistic traffic (mistakes mixed in) are
 * posted at a fixed rate that steps up until the system saturates. Per step: detection latency
 * (accepted → flag on Kafka), refund latency (→ decision committed), consumer lag, and the
 * cores each process used.
 */
import { topicName } from '@backstop/contracts';
import { startServiceProcess, type ServiceProcess } from '../../infra/dev/service-process';
import { TrafficGenerator } from '@backstop/testkit';
import { DetectionLatencyWatcher, LagSampler, refundLatency } from '../e2e/observers';
import { offerLoad } from '../e2e/open-loop';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { summarize, type LatencySummary } from '../lib/latency';
import { residentMiB } from '../lib/process-stats';
import { createSlice, type Endpoints, type Slice } from '../lib/slice';
import { topicProgress } from '../lib/topic-progress';
import { measureRedisMemory, type RedisMemory } from './memory';
import { measureRoundTrip, type RoundTripCost } from './round-trip';

export interface EndToEndStep {
  offeredPerS: number;
  achievedPerS: number;
  accepted: number;
  rejected: number;
  failedRequests: number;
  rejectedBy: Record<string, number>;
  detection: LatencySummary;
  /** Detection latency split at flaggedAt: accepted → batch picked up by the detector, then → flag on Kafka. */
  toDetector: LatencySummary;
  inDetector: LatencySummary;
  /** "To detector" split again where ingest's producer sent the event: accepted → sent, sent → picked up. */
  inIngest?: LatencySummary;
  kafkaToDetector?: LatencySummary;
  refund: LatencySummary;
  maxDetectorLag: number;
  maxWorkerLag: number;
  /** Seconds after the load stopped until the detector and worker had caught up (capped). */
  drainSeconds: number;
  cores: Record<string, number>;
}

export interface EndToEndResult {
  steps: EndToEndStep[];
  /** The highest offered rate whose p99 detection latency stayed under 100 ms. */
  headlinePerS: number | undefined;
  rssMiB: Record<string, number | undefined>;
  memory: RedisMemory;
  /** One loopback round trip on this machine, measured before the steps. */
  roundTrip?: RoundTripCost;
}

export interface EndToEndOptions {
  rates: number[];
  stepSeconds: number;
  /** Stop stepping once p99 detection latency passes this (ms): the knee is behind us. */
  giveUpP99Ms: number;
}

const GOOD_P99_MS = 100;

export async function benchEndToEnd(endpoints: Endpoints, options: EndToEndOptions, log: (line: string) => void): Promise<EndToEndResult> {
  const slice = await createSlice(endpoints, 'e2e');
  const services: ServiceProcess[] = [];
  const admin = slice.kafka.admin();
  await admin.connect();
  const watcher = new DetectionLatencyWatcher(slice.kafka, topicName('flags', slice.topicPrefix), topicName('paymentEvents', slice.topicPrefix));
  try {
    const env = { ...slice.serviceEnv, ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}), INGEST_PORT: '0', INGEST_RATE_PER_S: '1000000', INGEST_RATE_BURST: '1000000', INGEST_BODY_LIMIT: String(4 * 1024 * 1024) };
    for (const name of ['ingest', 'detector', 'refund-worker'] as const) services.push(startServiceProcess(name, env));
    await Promise.all(services.map((service) => service.ready));
    await watcher.start();
    const ingestUrl = services[0]!.address!;
    const pids = { ingest: services[0]!.child.pid, detector: services[1]!.child.pid, 'refund-worker': services[2]!.child.pid, 'bench (load generator)': process.pid };
    const detectorGroup = `${slice.topicPrefix}backstop-detector`;
    const workerGroup = `${slice.topicPrefix}backstop-refund-worker`;
    const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
    const flagsTopic = topicName('flags', slice.topicPrefix);
    const detectorProgress = topicProgress(admin, detectorGroup, eventsTopic);
    const workerProgress = topicProgress(admin, workerGroup, flagsTopic);
    // Event time is the wall clock here, so the payer pool grows with the rate: each payer pays
    // about every ten minutes, and the flags stay a few % of the events (mostly the planted
    // mistakes) at every step instead of every payer bursting at high rates.
    const mix = { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 };
    const load = (rate: number, durationMs: number) =>
      offerLoad({ ingestUrl, tenantId: slice.tenantId, secret: slice.webhookSecret, rate, durationMs, tickMs: 5, source: new TrafficGenerator({ mix, payers: Math.max(5_000, rate * 600) }) });

    // Warm-up: JIT, connections, group assignments, the sku price books.
    await load(500, 3_000);
    await waitForDrain([detectorProgress, workerProgress], 30_000);

    const roundTrip = await measureRoundTrip(slice.redis, slice.redisUrl);
    log(`  a loopback round trip: ${roundTrip.wallMicros} µs (redis-benchmark PING, one client); the caller's CPU per round trip ${roundTrip.callerCpuMicros} µs, ${roundTrip.callerCpuMicrosAfterIdle} µs after 1 ms idle (ioredis)`);
    const steps: EndToEndStep[] = [];
    for (const rate of options.rates) {
      const detectorLag = new LagSampler(admin, detectorGroup, eventsTopic, 250);
      const workerLag = new LagSampler(admin, workerGroup, flagsTopic, 250);
      detectorLag.start();
      workerLag.start();
      const cpuBefore = readCpu(pids);
      const from = new Date();
      const step = watcher.beginStep();
      const outcome = await load(rate, options.stepSeconds * 1000);
      step.end();
      const to = new Date();
      const cpuAfter = readCpu(pids);
      const drainStarted = performance.now();
      await waitForDrain([detectorProgress, workerProgress], 60_000);
      const drainSeconds = Math.round((performance.now() - drainStarted) / 100) / 10;
      detectorLag.stop();
      workerLag.stop();
      await new Promise((resolve) => setTimeout(resolve, 500)); // last flags reach the watcher
      const waits = step.ingestAndKafka();
      const result: EndToEndStep = {
        offeredPerS: rate,
        achievedPerS: Math.round(outcome.accepted / (outcome.elapsedMs / 1000)),
        accepted: outcome.accepted,
        rejected: outcome.rejected,
        failedRequests: outcome.failedRequests,
        rejectedBy: outcome.rejectedBy,
        detection: summarize(step.histogram),
        toDetector: summarize(step.toDetector),
        inDetector: summarize(step.inDetector),
        inIngest: summarize(waits.inIngest),
        kafkaToDetector: summarize(waits.kafkaToDetector),
        refund: summarize(await refundLatency(slice.pool, slice.tenantId, from, to)),
        maxDetectorLag: detectorLag.max,
        maxWorkerLag: workerLag.max,
        drainSeconds,
        cores: coresBetween(cpuBefore, cpuAfter, (to.getTime() - from.getTime()) / 1000),
      };
      steps.push(result);
      log(`  ${rate}/s offered, ${result.achievedPerS}/s accepted (${result.rejected} rejected ${JSON.stringify(result.rejectedBy)}, ${result.failedRequests} failed requests): detection p50 ${result.detection.p50Ms} p99 ${result.detection.p99Ms} p99.9 ${result.detection.p999Ms} ms (${result.detection.count} flags; to detector p50 ${result.toDetector.p50Ms} p99 ${result.toDetector.p99Ms} (in ingest p50 ${result.inIngest?.p50Ms} p99 ${result.inIngest?.p99Ms}, Kafka to detector p50 ${result.kafkaToDetector?.p50Ms} p99 ${result.kafkaToDetector?.p99Ms}), in detector p50 ${result.inDetector.p50Ms} p99 ${result.inDetector.p99Ms}); ` +
        `refund p50 ${result.refund.p50Ms} p99 ${result.refund.p99Ms} ms; lag ≤ ${result.maxDetectorLag}/${result.maxWorkerLag}; drain ${drainSeconds} s; cores ${JSON.stringify(result.cores)}`);
      const saturated = result.detection.p99Ms > options.giveUpP99Ms || result.achievedPerS < rate * 0.9;
      if (saturated) break;
    }
    const rssMiB = Object.fromEntries(services.map((service) => [service.name, residentMiB(service.child.pid)]));
    const memory = await measureRedisMemory(slice.redis, slice.redisPrefix, slice.tenantId);
    const good = steps.filter((s) => s.detection.count > 0 && s.detection.p99Ms < GOOD_P99_MS && s.achievedPerS >= s.offeredPerS * 0.95);
    return { steps, headlinePerS: good.length > 0 ? Math.max(...good.map((s) => s.offeredPerS)) : undefined, rssMiB, memory, roundTrip };
  } finally {
    await watcher.stop().catch(() => undefined);
    await admin.disconnect();
    for (const service of services) await service.stop('SIGTERM');
    await dropSlice(slice);
  }
}

async function waitForDrain(progress: (() => Promise<{ lag: number }>)[], capMs: number): Promise<void> {
  const deadline = Date.now() + capMs;
  while (Date.now() < deadline) {
    const lags = await Promise.all(progress.map((p) => p()));
    if (lags.every((l) => l.lag === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function dropSlice(slice: Slice): Promise<void> {
  await slice.drop().catch((error: unknown) => process.stderr.write(`could not drop ${slice.id}: ${String(error)}\n`));
}
