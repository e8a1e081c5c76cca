/**
 * Stage 2: the detector's throughput from a pre-filled topic (realistic traffic with mistakes)
 * through every rule to flags on Kafka, run in this process so its Redis round trips and
 * commands can be counted on the client, exactly where the detector sends them.
 */
import { topicName } from '@backstop/contracts';
import { DetectorConfig } from '../../services/detector/src/config';
import { createDetector } from '../../services/detector/src/detector';
import { createPayerStateStore } from '../../services/detector/src/state/create-store';
import type { SkuPriceBook } from '../../services/detector/src/state/sku-prices';
import { TrafficGenerator, publishEvents } from '@backstop/testkit';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { benchLogger, createSlice, type Endpoints } from '../lib/slice';
import { topicProgress } from '../lib/topic-progress';

export interface DetectorResult {
  events: number;
  flags: number;
  seconds: number;
  eventsPerS: number;
  batches: number;
  redisRoundTrips: number;
  redisCommands: number;
  roundTripsPerEvent: number;
  commandsPerEvent: number;
  /** Share of the run the detector spent awaiting Redis (observe and record pipelines). */
  redisWaitShare: number;
  /** Cores used from the first batch until caught up: this process (the detector) and the infrastructure. */
  cores: Record<string, number>;
}

export async function benchDetector(endpoints: Endpoints, events: number, log: (line: string) => void): Promise<DetectorResult> {
  const slice = await createSlice(endpoints, 'det');
  const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
  const flagsTopic = topicName('flags', slice.topicPrefix);
  const admin = slice.kafka.admin();
  await admin.connect();
  try {
    const traffic = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 } });
    const filler = slice.kafka.producer();
    await filler.connect();
    for (let sent = 0; sent < events; sent += 2_000) {
      const chunk = Array.from({ length: Math.min(2_000, events - sent) }, () => traffic.next().event);
      await publishEvents(filler, eventsTopic, slice.tenantId, chunk);
    }
    await filler.disconnect();
    log(`  ${events} events on ${eventsTopic}`);

    const config = DetectorConfig.parse(slice.serviceEnv);
    const store = createPayerStateStore(slice.redis, config);
    const skuPrices = (store as unknown as { skuPrices: SkuPriceBook }).skuPrices;
    let firstBatchAt: number | undefined;
    let cpuBefore = new Map<string, number>();
    let batches = 0;
    // Wall time spent awaiting Redis, to say where a batch's time goes.
    let redisMs = 0;
    const observe = store.observe.bind(store);
    store.observe = async (requests) => {
      if (firstBatchAt === undefined) cpuBefore = readCpu({ detector: process.pid });
      const started = performance.now();
      firstBatchAt ??= started;
      batches += 1;
      try {
        return await observe(requests);
      } finally {
        redisMs += performance.now() - started;
      }
    };
    const record = store.record.bind(store);
    store.record = async (entries) => {
      const started = performance.now();
      try {
        return await record(entries);
      } finally {
        redisMs += performance.now() - started;
      }
    };
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
    const cores = coresBetween(cpuBefore, readCpu({ detector: process.pid }), (finishedAt - (firstBatchAt ?? 0)) / 1000);
    await detector.stop();
    const flags = (await admin.fetchTopicOffsets(flagsTopic)).reduce((sum, p) => sum + Number(p.high), 0);
    const seconds = (finishedAt - (firstBatchAt ?? finishedAt)) / 1000;
    const redisRoundTrips = store.roundTrips + skuPrices.roundTrips;
    const result: DetectorResult = {
      events, flags, seconds: round(seconds, 2), eventsPerS: Math.round(events / seconds), batches,
      redisRoundTrips, redisCommands: store.commandsSent,
      roundTripsPerEvent: round(redisRoundTrips / events, 4), commandsPerEvent: round(store.commandsSent / events, 3),
      redisWaitShare: round(redisMs / 1000 / seconds, 2), cores,
    };
    log(`  ${result.eventsPerS} events/s (${events} in ${result.seconds} s, ${batches} batches, ${flags} flags); ${result.roundTripsPerEvent} Redis round trips and ${result.commandsPerEvent} commands per event; ${Math.round(result.redisWaitShare * 100)} % of the time awaiting Redis; cores ${JSON.stringify(cores)}`);
    return result;
  } finally {
    await admin.disconnect();
    await slice.drop();
  }
}

export const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
