/**
 * Stage 2: the detector's throughput from a pre-filled topic (realistic traffic with mistakes)
 * through every rule to flags on Kafka, run in this process so its Redis round trips and
 * commands can be counted on the client, exactly where the detector sends them.
 *
 * Two kinds of traffic. `realistic`: a payer pool grown with the number of events (about 40
 * events per payer, so most payers reach a history of a few dozen payments, the size the
 * state is built for) and event time spread so each payer pays about every ten minutes, as
 * the topic would hold after hours of a platform's traffic: a few % of the events are
 * flagged, mostly the planted mistakes. `flag-heavy`, the worst case: 5,000 payers whose
 * events all happen within the few seconds it takes to write them, so most payers burst and
 * repeat themselves and about half of the events are flagged.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { topicName } from '@backstop/contracts';
import type { Kafka } from 'kafkajs';
import { DetectorConfig } from '../../services/detector/src/config';
import { createDetector } from '../../services/detector/src/detector';
import { TrafficGenerator, publishGenerated } from '@backstop/testkit';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { benchLogger, createSlice, type Endpoints } from '../lib/slice';
import { topicProgress } from '../lib/topic-progress';
import { createPayerStateStore, type SkuPriceBook } from '@backstop/detection';

export type DetectorTraffic = 'realistic' | 'flag-heavy';

export interface DetectorResult {
  traffic: DetectorTraffic;
  /** Whether the detector kept copies of payers' state (as it ships) or read the state back for every event. */
  copies?: boolean;
  /** Share of payments judged from the detector's own copy of their payer, not read back from Redis. */
  judgedAheadShare?: number;
  events: number;
  payers: number;
  flags: number;
  /** Flags per event. */
  flagRate: number;
  seconds: number;
  eventsPerS: number;
  batches: number;
  redisRoundTrips: number;
  redisCommands: number;
  roundTripsPerEvent: number;
  commandsPerEvent: number;
  /** Bytes the detector's Redis connection wrote and read, per event. */
  redisBytesOutPerEvent: number;
  redisBytesInPerEvent: number;
  /** Share of the run the detector spent awaiting Redis (its plan's reads, the observe and record pipelines). */
  redisWaitShare: number;
  /** Node CPU of this process per event (µs): the detector, plus this stage's polling. */
  cpuMicrosPerEvent: number;
  /**
   * Kafka requests the detector made while draining, by API: how many, and the share of the
   * run's wall time they were in flight (summed, so overlapping requests can pass 100 %).
   */
  kafkaRequests: Record<string, { count: number; share: number }>;
  /** Cores used from the first batch until caught up: this process (the detector) and the infrastructure. */
  cores: Record<string, number>;
}

const DAY_MS = 86_400_000;

export async function benchDetector(
  endpoints: Endpoints,
  events: number,
  log: (line: string) => void,
  traffic: DetectorTraffic = 'realistic',
  { copies = true }: { copies?: boolean } = {},
): Promise<DetectorResult> {
  const slice = await createSlice(endpoints, 'det');
  const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
  const flagsTopic = topicName('flags', slice.topicPrefix);
  const admin = slice.kafka.admin();
  await admin.connect();
  try {
    const mix = { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 };
    let payers = 5_000;
    let generator: TrafficGenerator;
    if (traffic === 'realistic') {
      payers = Math.max(250, Math.round(events / 40));
      // Each payer pays about every ten minutes of event time; the topic ends about now.
      const stepMs = 600_000 / payers;
      let clockMs = Date.now() - events * stepMs - DAY_MS / 24;
      generator = new TrafficGenerator({ mix, payers, clock: () => (clockMs += stepMs) });
    } else {
      generator = new TrafficGenerator({ mix, payers });
    }
    const filler = slice.kafka.producer();
    await filler.connect();
    await publishGenerated(filler, eventsTopic, slice.tenantId, events, () => generator.next().event);
    await filler.disconnect();
    log(`  ${events} events of ${traffic} traffic from ${payers} payers on ${eventsTopic}`);

    const config = DetectorConfig.parse({ ...slice.serviceEnv, ...(copies ? {} : { DETECTOR_STATE_COPY_PAYMENTS: '0' }) });
    const store = createPayerStateStore(slice.redis, config);
    const skuPrices = (store as unknown as { skuPrices: SkuPriceBook }).skuPrices;
    const kafkaRequests = countKafkaRequests(slice.kafka);
    const profiles = [
      ...(process.env.BENCH_DETECTOR_PROFILE ? [{ profile: cpuProfile(), file: process.env.BENCH_DETECTOR_PROFILE }] : []),
      ...(process.env.BENCH_DETECTOR_HEAP_PROFILE ? [{ profile: heapProfile(), file: process.env.BENCH_DETECTOR_HEAP_PROFILE }] : []),
    ];
    let firstBatchAt: number | undefined;
    let cpuBefore = new Map<string, number>();
    let redisBytesBefore = { out: 0, in: 0 };
    let batches = 0;
    // Wall time spent awaiting Redis, to say where a batch's time goes.
    let redisMs = 0;
    // Times a step of each batch; the first step of the first batch starts the measurement.
    const timed = <Args extends unknown[], Result>(step: (...args: Args) => Promise<Result>) => async (...args: Args): Promise<Result> => {
      if (firstBatchAt === undefined) {
        cpuBefore = readCpu({ detector: process.pid });
        redisBytesBefore = redisBytes(slice.redis);
        kafkaRequests.reset();
        for (const { profile } of profiles) profile.begin();
      }
      const started = performance.now();
      firstBatchAt ??= started;
      try {
        return await step(...args);
      } finally {
        redisMs += performance.now() - started;
      }
    };
    // A batch starts with its plan (copies consulted, sku prices refreshed), then observes.
    store.plan = timed(store.plan.bind(store));
    // Wrapped whatever the overload: the bench only times it.
    const observe = timed(store.observe.bind(store) as (...args: unknown[]) => Promise<unknown[]>);
    store.observe = (async (...args: unknown[]) => {
      batches += 1;
      return observe(...args);
    }) as typeof store.observe;
    store.record = timed(store.record.bind(store));
    // The detector as it ships, with the slice's clients and the counting store handed in.
    const detector = createDetector(config, {
      logger: benchLogger, kafka: slice.kafka, redis: slice.redis, pool: slice.pool, store, serveMetrics: false, rebuildLostState: false,
    });
    const { consumer } = await detector.start();
    const progress = topicProgress(admin, `${slice.topicPrefix}${config.DETECTOR_GROUP_ID}`, eventsTopic);
    let crash: unknown;
    consumer.on(consumer.events.CRASH, (event) => { crash = event.payload.error; });
    let finishedAt = 0;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const state = await progress();
      if (state.lag === 0 && state.end > 0) { finishedAt = performance.now(); break; }
      if (crash !== undefined || Date.now() > deadline) {
        await detector.stop();
        throw new Error(`detector stopped with ${state.lag} events left: ${String(crash ?? 'deadline passed')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (finishedAt - (firstBatchAt ?? finishedAt)) / 1000;
    const cpuAfter = readCpu({ detector: process.pid });
    const bytesAfter = redisBytes(slice.redis);
    const requests = kafkaRequests.read(seconds);
    for (const { profile, file } of profiles) await profile.end(profileFile(file, traffic, copies));
    const cores = coresBetween(cpuBefore, cpuAfter, seconds);
    await detector.stop();
    const flags = (await admin.fetchTopicOffsets(flagsTopic)).reduce((sum, p) => sum + Number(p.high), 0);
    const redisRoundTrips = store.roundTrips + skuPrices.roundTrips;
    const result: DetectorResult = {
      traffic, copies, events, payers, flags, flagRate: round(flags / events, 3), seconds: round(seconds, 2), eventsPerS: Math.round(events / seconds), batches,
      judgedAheadShare: round(store.judgedAhead / Math.max(1, store.judgedAhead + store.readBack), 3),
      redisRoundTrips, redisCommands: store.commandsSent,
      roundTripsPerEvent: round(redisRoundTrips / events, 4), commandsPerEvent: round(store.commandsSent / events, 3),
      redisBytesOutPerEvent: Math.round((bytesAfter.out - redisBytesBefore.out) / events),
      redisBytesInPerEvent: Math.round((bytesAfter.in - redisBytesBefore.in) / events),
      redisWaitShare: round(redisMs / 1000 / seconds, 2),
      cpuMicrosPerEvent: Math.round((((cpuAfter.get('detector') ?? 0) - (cpuBefore.get('detector') ?? 0)) / events) * 1e6),
      kafkaRequests: requests, cores,
    };
    log(`  ${result.eventsPerS} events/s (${events} in ${result.seconds} s, ${batches} batches, ${flags} flags, ${Math.round(result.flagRate * 1000) / 10} % of events); ` +
      `${result.cpuMicrosPerEvent} µs of CPU per event; ${result.roundTripsPerEvent} Redis round trips, ${result.commandsPerEvent} commands, ` +
      `${result.redisBytesOutPerEvent} bytes out and ${result.redisBytesInPerEvent} in per event; ${Math.round(result.redisWaitShare * 100)} % of the time awaiting Redis; ` +
      `Kafka ${Object.entries(requests).map(([api, r]) => `${api} ${r.count}× ${Math.round(r.share * 100)} %`).join(', ')}; cores ${JSON.stringify(cores)}`);
    return result;
  } finally {
    await admin.disconnect();
    await slice.drop();
  }
}

/** Bytes written to and read from a Redis client's socket so far. */
function redisBytes(client: object): { out: number; in: number } {
  // A single node's socket; a cluster client's bytes are spread over its nodes and not counted.
  const redis = client as { stream?: { bytesWritten?: number; bytesRead?: number } };
  return { out: redis.stream?.bytesWritten ?? 0, in: redis.stream?.bytesRead ?? 0 };
}

/**
 * Counts the requests of every consumer and producer made from `kafka` from now on, by API,
 * with the time each was in flight (KafkaJS instrumentation events).
 */
function countKafkaRequests(kafka: Kafka) {
  const totals = new Map<string, { count: number; ms: number }>();
  const listen = (client: { on: (event: string, listener: (event: { payload: { apiName: string; duration: number } }) => void) => unknown; events: { REQUEST: string } }) =>
    client.on(client.events.REQUEST, ({ payload }) => {
      const total = totals.get(payload.apiName) ?? { count: 0, ms: 0 };
      total.count += 1;
      total.ms += payload.duration;
      totals.set(payload.apiName, total);
    });
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => {
    const created = consumer(config);
    listen(created as never);
    return created;
  };
  const producer = kafka.producer.bind(kafka);
  kafka.producer = (config) => {
    const created = producer(config);
    listen(created as never);
    return created;
  };
  return {
    reset: () => totals.clear(),
    read: (seconds: number) =>
      Object.fromEntries(
        [...totals].filter(([api]) => ['Fetch', 'Produce', 'OffsetCommit', 'Heartbeat'].includes(api))
          .map(([api, t]) => [api, { count: t.count, share: round(t.ms / 1000 / seconds, 2) }]),
      ),
  };
}

/**
 * One profile per run: `BENCH_DETECTOR_PROFILE=/tmp/detector.cpuprofile` writes
 * /tmp/detector-realistic.cpuprofile, /tmp/detector-flag-heavy.cpuprofile and so on, and
 * `BENCH_DETECTOR_HEAP_PROFILE=/tmp/detector.heapprofile` the same for heap profiles.
 */
function profileFile(requested: string, traffic: DetectorTraffic, copies: boolean): string {
  const suffix = `-${traffic}${copies ? '' : '-without-copies'}`;
  const extension = /\.(cpuprofile|heapprofile)$/.exec(requested)?.[0] ?? '';
  return `${requested.slice(0, requested.length - extension.length)}${suffix}${extension}`;
}

interface Profile {
  begin(): void;
  end(file: string): Promise<void>;
}

/**
 * A profile of this process from `begin` to `end`: `start`'s inspector commands begin it,
 * `stop` ends it and returns what is written to the file (or why nothing could be).
 */
function inspectorProfile(start: [method: string, params?: object][], stop: string): Profile {
  const session = new Session();
  session.connect();
  return {
    begin: () => {
      for (const [method, params] of start) session.post(method, params ?? {});
    },
    end: (file) =>
      new Promise<void>((resolve) =>
        session.post(stop, (error, result) => {
          if (error) console.error(`no profile written to ${file}: ${error.message}`);
          else writeFileSync(file, JSON.stringify((result as { profile: unknown }).profile));
          session.disconnect();
          resolve();
        }),
      ),
  };
}

/** Where this process's CPU went. */
const cpuProfile = () => inspectorProfile([['Profiler.enable'], ['Profiler.start']], 'Profiler.stop');

/**
 * What this process allocated: an allocation about every 16 KiB, kept whether or not it was
 * collected since, so it shows what made the garbage whose collection a CPU profile shows.
 * Sampling costs some CPU itself, so it has a switch of its own.
 */
const heapProfile = () =>
  inspectorProfile(
    [['HeapProfiler.enable'], ['HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }]],
    'HeapProfiler.stopSampling',
  );

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
