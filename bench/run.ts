/**
 * `npm run bench`: the whole pipeline measured against its physical limits in one run, each
 * figure beside a baseline measured in the same run on the same machine. Writes
 * bench/results/<date>.md, .json and .svg (latency against offered rate).
 *
 *   npm run bench                       # about ten minutes on 2 cores
 *   npm run bench -- --quick            # a few minutes, shorter stages
 *   npm run bench -- --stages=detector,refunds
 *   npm run bench -- --stages=backtest
 *   npm run bench -- --stages=kafka-clients   # KafkaJS against @platformatic/kafka under the detector's loop
 *   npm run bench -- --cluster          # only the detector on a Kafka cluster and a Redis Cluster,
 *                                       # 1 to 3 instances, into <date>-cluster.md and .json
 *
 * Uses the Kafka at KAFKA_BROKERS (127.0.0.1:9092), starting a broker there if none listens;
 * Redis and Postgres at REDIS_URL and DATABASE_URL. Every stage works in its own slice (database,
 * topic prefix, Redis key prefix) and removes it afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { defaultBrokerOptions, isPortOpen, startBroker, type RunningBroker } from '../infra/kafka/broker';
import { describeMachine } from './lib/machine';
import { createSlice, endpointsFromEnv } from './lib/slice';
import { renderChart, renderMarkdown, type BenchResults } from './report';
import { benchBacktest } from './stages/backtest';
import { benchDetector } from './stages/detector';
import { benchEndToEnd } from './stages/end-to-end';
import { benchIngest } from './stages/ingest';
import { benchKafkaClients } from './stages/kafka-clients';
import { benchObserveScript } from './stages/redis-baseline';
import { benchRefunds } from './stages/refunds';
import { benchChecks } from './stages/checks';
import { benchScaling } from './stages/scaling';

const STAGES = ['ingest', 'detector', 'refunds', 'e2e', 'backtest', 'checks', 'kafka-clients'] as const;
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    cluster: { type: 'boolean', default: false },
    stages: { type: 'string', default: STAGES.join(',') },
    rates: { type: 'string' },
    'step-seconds': { type: 'string' },
    out: { type: 'string', default: fileURLToPath(new URL('./results', import.meta.url)) },
  },
});
const quick = values.quick;
// The cluster run starts brokers and Redis nodes of its own and is a run of its own.
const stages = new Set(values.cluster ? ['cluster'] : values.stages.split(','));
const log = (line: string) => process.stdout.write(`${line}\n`);

const endpoints = endpointsFromEnv();

let broker: RunningBroker | undefined;
const brokerPort = Number(endpoints.brokers[0]!.split(':')[1]);
if (!(await isPortOpen(brokerPort))) {
  log(`no Kafka at ${endpoints.brokers[0]}: starting one for this run`);
  broker = await startBroker(defaultBrokerOptions(brokerPort), { log });
}

const results: BenchResults = { startedAt: new Date().toISOString(), mode: quick ? 'quick' : 'full', machine: describeMachine() };
log(`machine: ${JSON.stringify(results.machine)}`);
const date = `${results.startedAt.slice(0, 10)}${values.cluster ? '-cluster' : ''}`;
mkdirSync(values.out, { recursive: true });
const write = () => {
  results.finishedAt = new Date().toISOString();
  const chartFile = results.endToEnd ? `${date}.svg` : undefined;
  if (results.endToEnd) writeFileSync(`${values.out}/${chartFile}`, renderChart(results.endToEnd));
  writeFileSync(`${values.out}/${date}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${values.out}/${date}.md`, renderMarkdown(results, chartFile));
};

try {
  if (stages.has('ingest')) {
    log('1. ingest');
    const seconds = quick ? 3 : 6;
    results.ingest = await benchIngest({ seconds, singleConnections: [8, 32], batchSize: 100, batchConnections: [2, 8] }, log);
    write();
  }
  if (stages.has('detector')) {
    log('2. detector');
    const result = await benchDetector(endpoints, quick ? 20_000 : 60_000, log, 'realistic');
    const flagHeavy = await benchDetector(endpoints, 20_000, log, 'flag-heavy');
    // The same realistic traffic with every event's state read back from Redis: what the copies save.
    const readBack = await benchDetector(endpoints, quick ? 20_000 : 60_000, log, 'realistic', { copies: false });
    const slice = await createSlice(endpoints, 'lua');
    try {
      const baseline = await benchObserveScript(slice.redis, endpoints.redisUrl, slice.redisPrefix, quick ? 100_000 : 300_000);
      log(`  redis-benchmark observe script: ${baseline.callsPerS} calls/s`);
      results.detector = { result, flagHeavy, readBack, baseline };
    } finally {
      await slice.drop();
    }
    write();
  }
  if (stages.has('refunds')) {
    log('3. refund worker');
    results.refunds = await benchRefunds(endpoints, quick ? 10_000 : 30_000, log);
    write();
  }
  if (stages.has('e2e')) {
    log('4. end to end (and 5. memory)');
    const rates = values.rates?.split(',').map(Number) ?? (quick ? [1_000, 2_000, 4_000, 8_000] : [500, 1_000, 2_000, 3_000, 4_000, 6_000, 8_000, 10_000, 12_000]);
    const stepSeconds = Number(values['step-seconds'] ?? (quick ? 5 : 10));
    results.endToEnd = await benchEndToEnd(endpoints, { rates, stepSeconds, giveUpP99Ms: 2_000 }, log);
    log(`  headline: ${results.endToEnd.headlinePerS ?? 'none'} events/s with p99 detection under 100 ms`);
    log(`  memory: ${JSON.stringify(results.endToEnd.memory)}; RSS MiB ${JSON.stringify(results.endToEnd.rssMiB)}`);
  }
  if (stages.has('backtest')) {
    log('6. backtest');
    results.backtest = await benchBacktest(endpoints, quick ? 40_000 : 120_000, log);
    write();
  }
  if (stages.has('checks')) {
    log('7. pre-payment checks');
    results.checks = await benchChecks(endpoints, { rates: [1_000, 5_000, 20_000], seconds: quick ? 5 : 10, besideSeconds: quick ? 10 : 20 }, log);
    write();
  }
  if (stages.has('kafka-clients')) {
    log('9. the Kafka client: KafkaJS against @platformatic/kafka');
    results.kafkaClients = await benchKafkaClients(endpoints, quick ? 20_000 : 60_000, quick ? 3_000 : 10_000, log);
    write();
  }
  if (stages.has('cluster')) {
    log('8. scaling out: the detector on a Kafka cluster and a Redis Cluster');
    results.scaling = await benchScaling(endpoints, quick ? 20_000 : 60_000, log);
    write();
  }
} finally {
  write();
  log(`wrote ${values.out}/${date}.md, .json${results.endToEnd ? ', .svg' : ''}`);
  await broker?.stop();
}
process.exit(0);
