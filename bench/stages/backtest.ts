/**
 * Stage 6: a backtest's replay rate. Fills a topic with realistic traffic (as stage 2), lets the
 * detector as it ships judge it all (the same-run baseline: its events/s on the same events),
 * then backtests the whole period with the tenant's configuration: the read by offsets, the
 * rules in a shadow state, the policy in shadow and the comparison with Postgres. Events/s is
 * over the whole run, planning and comparison included. The heap the run holds is sampled after
 * a full collection each second of the run and once it is over: what a longer period would add.
 */
import { topicName } from '@backstop/contracts';
import { newRunId, periodOf, resolveCandidate, runBacktest, type BacktestProgress } from '@backstop/backtest';
import { createPayerStateStore, PayerStateSettings } from '@backstop/detection';
import { TrafficGenerator, publishGenerated } from '@backstop/testkit';
import { DetectorConfig } from '../../services/detector/src/config';
import { createDetector } from '../../services/detector/src/detector';
import { LiveHeap } from '../lib/live-heap';
import { describeLiveHeap } from '../report';
import { benchLogger, createSlice, type Endpoints } from '../lib/slice';
import { topicProgress } from '../lib/topic-progress';
import { round } from './detector';

export interface BacktestResult {
  events: number;
  payers: number;
  /** The whole backtest: planning, replay, shadow policy, comparison. */
  seconds: number;
  eventsPerS: number;
  /** The replay alone, from the first message handed over to the last chunk judged. */
  replayEventsPerS: number;
  /** The detector on the same events, from its first batch until caught up. */
  detectorEventsPerS: number;
  candidateFlags: number;
  /** Heap held after a full collection, above what was held when the run began (MiB): each second of the run, and after it. */
  liveHeapMiB: { duringRun: number[]; afterRun: number };
  /**
   * Where the time went: the share of the run Redis spent executing commands (all clients,
   * from INFO commandstats) and the CPU this process used per wall second.
   */
  redisBusyShare: number;
  processCpuShare: number;
}

/** Microseconds Redis spent executing commands so far, summed over every command. */
async function redisBusyMicros(redis: { info(section: string): Promise<string> }): Promise<number> {
  const stats = await redis.info('commandstats');
  return [...stats.matchAll(/usec=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
}

export async function benchBacktest(endpoints: Endpoints, events: number, log: (line: string) => void): Promise<BacktestResult> {
  const slice = await createSlice(endpoints, 'bt');
  const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
  const admin = slice.kafka.admin();
  await admin.connect();
  try {
    const payers = Math.max(250, Math.round(events / 40));
    const stepMs = 600_000 / payers;
    let clockMs = Date.now() - events * stepMs - 3_600_000;
    const generator = new TrafficGenerator({
      mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 }, payers, clock: () => (clockMs += stepMs),
    });
    const fromMs = Date.now() - 1;
    const filler = slice.kafka.producer();
    await filler.connect();
    await publishGenerated(filler, eventsTopic, slice.tenantId, events, () => generator.next().event);
    await filler.disconnect();
    const toMs = Date.now() + 1;
    log(`  ${events} events of realistic traffic from ${payers} payers on ${eventsTopic}`);

    // Baseline: the detector as it ships on the same events.
    const config = DetectorConfig.parse(slice.serviceEnv);
    const store = createPayerStateStore(slice.redis, config);
    let firstBatchAt: number | undefined;
    const observe = store.observe.bind(store) as (...args: unknown[]) => Promise<unknown[]>;
    store.observe = ((...args: unknown[]) => {
      firstBatchAt ??= performance.now();
      return observe(...args);
    }) as typeof store.observe;
    const detector = createDetector(config, { logger: benchLogger, kafka: slice.kafka, redis: slice.redis, pool: slice.pool, store, serveMetrics: false, rebuildLostState: false });
    await detector.start();
    const progress = topicProgress(admin, `${slice.topicPrefix}${config.DETECTOR_GROUP_ID}`, eventsTopic);
    while ((await progress()).lag > 0) await new Promise((resolve) => setTimeout(resolve, 50));
    const detectorSeconds = (performance.now() - firstBatchAt!) / 1000;
    await detector.stop();

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, toMs - Date.now() + 1)));
    const candidate = await resolveCandidate(slice.pool, { tenantId: slice.tenantId });
    const liveHeap = new LiveHeap();
    const heapAtStart = liveHeap.bytes();
    const heapAbove = () => round((liveHeap.bytes() - heapAtStart) / 1024 / 1024, 1);
    const collectedBeforeRun = liveHeap.collectingMs;
    let replayStarted: number | undefined;
    let replayEnded = 0;
    const onProgress = ({ phase, read }: BacktestProgress) => {
      if (phase === 'replaying' && read > 0) replayStarted ??= performance.now();
      if (phase === 'comparing') replayEnded = performance.now();
    };
    const busyBefore = await redisBusyMicros(slice.redis);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const duringRun: number[] = [];
    const sampling = setInterval(() => duringRun.push(heapAbove()), 1_000);
    const report = await runBacktest(
      { kafka: slice.kafka, redis: slice.redis, pool: slice.pool, topicPrefix: slice.topicPrefix, stateSettings: PayerStateSettings.parse(slice.serviceEnv) },
      candidate,
      periodOf(fromMs, toMs, 0, Date.now()),
      { runId: newRunId(), onProgress },
    ).finally(() => clearInterval(sampling));
    const ended = performance.now();
    const cpu = process.cpuUsage(cpuBefore);
    // The forced collections are the measurement's, not the backtest's: their time is left out.
    const collectingMs = liveHeap.collectingMs - collectedBeforeRun;
    const seconds = (ended - started - collectingMs) / 1000;
    const liveHeapMiB = { duringRun, afterRun: heapAbove() };
    const redisBusyShare = round((await redisBusyMicros(slice.redis) - busyBefore) / 1e6 / seconds, 2);
    const read = report.events.warmUp + report.events.period;
    const result: BacktestResult = {
      events: read, payers, seconds: round(seconds, 2), eventsPerS: Math.round(read / seconds),
      // Nearly all of the run is the replay, so its collections are left out of the replay too.
      replayEventsPerS: Math.round(read / ((replayEnded - (replayStarted ?? started) - collectingMs) / 1000)),
      detectorEventsPerS: Math.round(events / detectorSeconds),
      candidateFlags: report.rules.reduce((sum, rule) => sum + rule.candidate, 0),
      liveHeapMiB,
      redisBusyShare, processCpuShare: round((cpu.user + cpu.system) / 1e6 / ((ended - started) / 1000), 2),
    };
    log(`  backtest ${result.eventsPerS} events/s over the whole run (${read} events in ${result.seconds} s; replay alone ${result.replayEventsPerS} events/s), ` +
      `detector on the same events ${result.detectorEventsPerS} events/s; ${result.candidateFlags} flags; live heap ${describeLiveHeap(liveHeapMiB)}; ` +
      `Redis busy ${Math.round(redisBusyShare * 100)} % of the run, this process ${Math.round(result.processCpuShare * 100)} % of a core`);
    return result;
  } finally {
    await admin.disconnect();
    await slice.drop();
  }
}

