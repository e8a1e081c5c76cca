/**
 * `npm run bench -- --cluster`: the detector's throughput on the project's cluster (3 Kafka
 * brokers, every topic replicated three ways with two in sync; a Redis Cluster of 3 masters
 * and 3 replicas) with 1, 2 and 3 detector processes, beside one process on the single broker
 * and the single Redis in the same run. Every run drains the same seeded events from a topic
 * of 12 partitions with a fresh consumer group and an empty payer state.
 *
 * On a 2-core machine the brokers, the Redis nodes and every detector share the same two
 * cores: the curve shows what replication and clustering cost and that added instances share
 * the work correctly, not a speed-up. The cores each part used say where the time went.
 */
import { randomBytes } from 'node:crypto';
import { topicName, type PaymentSnapshot, type WebhookEvent } from '@backstop/contracts';
import { createIdempotentProducer, createKafka, readToEnd } from '@backstop/kafka';
import { median, SkuPriceBook, skuPricesKey } from '@backstop/detection';
import { createRedis, deleteMatching } from '@backstop/redis';
import { publishEvents, TrafficGenerator } from '@backstop/testkit';
import { ensureBackstopTopics } from '../../infra/kafka/topics';
import { startServiceProcess, type ServiceProcess } from '../../infra/dev/service-process';
import { Topology } from '../../infra/cluster/topology';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { benchLogger, createSlice, type Endpoints } from '../lib/slice';
import { topicProgress } from '../lib/topic-progress';
import { round } from './detector';

export interface ScalingRow {
  setup: 'single node' | 'cluster';
  instances: number;
  events: number;
  /** From the first committed batch until every event was committed. */
  seconds: number;
  eventsPerS: number;
  /**
   * Flag messages on the topic, and distinct flag ids among them: a flag judged again when
   * later history arrives is sent again under its id. Distinct flags differ a little between
   * runs: a sku's price history is shared by payers on every partition, the order the
   * partitions are read in is not the same twice, and the detector reads that history through
   * a cache refreshed by wall-clock time.
   */
  flags: number;
  distinctFlags: number;
  /** Cores used meanwhile: the detector processes together, the brokers (java) and Redis. */
  cores: { detectors: number; java: number; redis: number };
}

/** What reading many skus' price histories costs, the per-tenant data every payer's judgement reads. */
export interface SkuReadRow {
  setup: ScalingRow['setup'];
  skus: number;
  pricesPerSku: number;
  /** Round trips of one cold read of every sku: one per Redis node holding some. */
  roundTrips: number;
  /** Median of the reads, ms, and per sku, µs. */
  medianMs: number;
  microsPerSku: number;
}

export interface ScalingResult {
  seed: number;
  payers: number;
  partitions: number;
  rows: ScalingRow[];
  skuReads: SkuReadRow[];
}

const PARTITIONS = 12;
const DAY_MS = 86_400_000;

interface Target {
  setup: ScalingRow['setup'];
  brokers: string[];
  redisUrl: string;
}

export async function benchScaling(endpoints: Endpoints, events: number, log: (line: string) => void, seed = Number(process.env.BENCH_SEED ?? randomBytes(4).readUInt32BE())): Promise<ScalingResult> {
  // The same events for every run: realistic traffic, each payer paying about every ten minutes.
  const payers = Math.max(250, Math.round(events / 40));
  const stepMs = 600_000 / payers;
  let clockMs = Date.now() - events * stepMs - DAY_MS / 24;
  const generator = new TrafficGenerator({ seed, payers, clock: () => (clockMs += stepMs), mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0.01 } });
  const traffic = Array.from({ length: events }, () => generator.next().event);
  log(`  ${events} events from ${payers} payers, seed ${seed}`);

  // One database and tenant for every run: the detector reads the tenant's rules from it.
  const slice = await createSlice(endpoints, 'scale');
  const rows: ScalingRow[] = [];
  const skuReads: SkuReadRow[] = [];
  let topology: Topology | undefined;
  try {
    skuReads.push(await skuReadCost('single node', endpoints.redisUrl, log));
    rows.push(await drain({ setup: 'single node', brokers: endpoints.brokers, redisUrl: endpoints.redisUrl }, 1, traffic, slice, log));
    topology = await Topology.start({
      databaseUrl: slice.env.DATABASE_URL!,
      logger: benchLogger,
      instances: { ingest: 0, detector: 0, 'refund-worker': 0, console: 0 },
    });
    const cluster: Target = { setup: 'cluster', brokers: topology.kafka.brokers, redisUrl: topology.redis.url };
    skuReads.push(await skuReadCost('cluster', topology.redis.url, log));
    for (const instances of [1, 2, 3]) rows.push(await drain(cluster, instances, traffic, slice, log));
  } finally {
    await topology?.stop();
    await slice.drop();
  }
  return { seed, payers, partitions: PARTITIONS, rows, skuReads };
}

async function drain(target: Target, instances: number, traffic: readonly WebhookEvent[], slice: Awaited<ReturnType<typeof createSlice>>, log: (line: string) => void): Promise<ScalingRow> {
  const prefix = `benchscale${randomBytes(4).toString('hex')}.`;
  const redisPrefix = prefix.slice(0, -1);
  const eventsTopic = topicName('paymentEvents', prefix);
  const flagsTopic = topicName('flags', prefix);
  await ensureBackstopTopics(target.brokers, { prefix, partitions: { paymentEvents: PARTITIONS, flags: 6 } });
  const kafka = createKafka(target.brokers, 'bench-scaling', benchLogger);
  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  for (let from = 0; from < traffic.length; from += 2_000) await publishEvents(producer, eventsTopic, slice.tenantId, traffic.slice(from, from + 2_000));
  await producer.disconnect();

  const admin = kafka.admin();
  await admin.connect();
  const detectors: ServiceProcess[] = [];
  const redis = createRedis(target.redisUrl, 'bench-scaling');
  try {
    const env = {
      ...slice.env,
      KAFKA_BROKERS: target.brokers.join(','),
      KAFKA_TOPIC_PREFIX: prefix,
      REDIS_URL: target.redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      DETECTOR_METRICS_PORT: '0',
    };
    for (let n = 0; n < instances; n += 1) detectors.push(startServiceProcess('detector', env));
    let readyTimer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(detectors.map((detector) => detector.ready)),
      new Promise((_, reject) => { readyTimer = setTimeout(() => reject(new Error(`detectors not consuming after 120 s:\n${detectors.flatMap((d) => d.lines.slice(-10)).join('\n')}`)), 120_000); }),
    ]).finally(() => clearTimeout(readyTimer));
    const progress = topicProgress(admin, `${prefix}${process.env.DETECTOR_GROUP_ID ?? 'backstop-detector'}`, eventsTopic);
    const pids = () => Object.fromEntries(detectors.map((detector, index) => [`detector-${index + 1}`, detector.child.pid]));

    // The clock starts at the first commit: joining the group is not throughput.
    const deadline = Date.now() + 900_000;
    let start: { at: number; done: number; cpu: Map<string, number> } | undefined;
    for (;;) {
      const state = await progress();
      const done = state.end - state.lag;
      if (start === undefined && done > 0) start = { at: performance.now(), done, cpu: readCpu(pids()) };
      if (state.end > 0 && state.lag === 0) break;
      if (Date.now() > deadline) throw new Error(`detectors left ${state.lag} events unread after 15 minutes`);
      if (detectors.some((detector) => detector.child.exitCode !== null)) throw new Error(`a detector exited:\n${detectors.flatMap((d) => d.lines.slice(-10)).join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const seconds = (performance.now() - start!.at) / 1000;
    const used = coresBetween(start!.cpu, readCpu(pids()), seconds);
    const flags = (await admin.fetchTopicOffsets(flagsTopic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    const distinctFlags = await countDistinctFlags(kafka, flagsTopic);
    const detectorCores = Object.entries(used).filter(([name]) => name.startsWith('detector-')).reduce((sum, [, cores]) => sum + cores, 0);
    const row: ScalingRow = {
      setup: target.setup,
      instances,
      events: traffic.length,
      seconds: round(seconds, 2),
      eventsPerS: Math.round((traffic.length - start!.done) / seconds),
      flags,
      distinctFlags,
      cores: { detectors: round(detectorCores, 2), java: used.java ?? 0, redis: used['redis-server'] ?? 0 },
    };
    log(`  ${target.setup}, ${instances} detector${instances > 1 ? 's' : ''}: ${row.eventsPerS} events/s (${row.seconds} s, ${flags} flag messages, ${distinctFlags} distinct); cores ${JSON.stringify(row.cores)}`);
    return row;
  } finally {
    await Promise.all(detectors.map((detector) => detector.stop('SIGTERM')));
    await admin.deleteTopics({ topics: [eventsTopic, flagsTopic] }).catch(() => undefined);
    await admin.disconnect();
    await deleteMatching(redis, `${redisPrefix}:*`);
    redis.disconnect();
  }
}

/**
 * Reads the price histories of many skus cold, as a detector does when its cache expires:
 * each sku's sorted set has a hash tag of its own, so on a cluster they are spread over every
 * master and read in one pipeline per node (SlotPipelines). The same skus on one Redis are
 * read in one pipeline.
 */
async function skuReadCost(setup: SkuReadRow['setup'], redisUrl: string, log: (line: string) => void, skus = 1_000, pricesPerSku = 50, rounds = 15): Promise<SkuReadRow> {
  const redis = createRedis(redisUrl, 'bench-sku-reads');
  const prefix = `benchsku${randomBytes(4).toString('hex')}`;
  const tenantId = 'bench';
  try {
    const requests = Array.from({ length: skus }, (_, n) => ({ tenantId, payment: { sku: `卡-${n}`, currency: 'CNY' } as PaymentSnapshot }));
    // Members as the detector stores them: "<unit price>:<payment id>", scored by time.
    for (const [index, { payment }] of requests.entries()) {
      const key = skuPricesKey(prefix, tenantId, payment.sku!, payment.currency);
      await redis.zadd(key, ...Array.from({ length: pricesPerSku }, (_, i) => [i, `${1000 + (i % 7)}:pay_${index}_${i}`]).flat());
    }
    const times: number[] = [];
    let roundTrips = 0;
    for (let attempt = 0; attempt < rounds; attempt += 1) {
      const book = new SkuPriceBook(redis, prefix, { cap: pricesPerSku, ttlSeconds: 3_600, cacheMs: 10_000 });
      const started = performance.now();
      await book.refresh(requests);
      times.push(performance.now() - started);
      roundTrips = book.roundTrips;
    }
    const medianMs = median(times);
    const row: SkuReadRow = { setup, skus, pricesPerSku, roundTrips, medianMs: round(medianMs, 2), microsPerSku: round((medianMs * 1000) / skus, 1) };
    log(`  ${setup}: a cold read of ${skus} skus' price histories (${pricesPerSku} prices each) takes ${row.medianMs} ms in ${roundTrips} round trips (${row.microsPerSku} µs per sku)`);
    return row;
  } finally {
    await deleteMatching(redis, `${prefix}:*`);
    redis.disconnect();
  }
}

async function countDistinctFlags(kafka: ReturnType<typeof createKafka>, topic: string): Promise<number> {
  const flagIds = new Set<string>();
  await readToEnd(kafka, topic, (value) => flagIds.add((JSON.parse(value!) as { flagId: string }).flagId));
  return flagIds.size;
}

