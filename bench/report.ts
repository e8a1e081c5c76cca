/** Renders one benchmark run as Markdown: the machine first, then each figure beside its baseline. */
import { lineChart } from './lib/chart';
import { pair, ratio, table } from './lib/markdown';
import type { describeMachine } from './lib/machine';
import type { BacktestResult } from './stages/backtest';
import type { DetectorResult } from './stages/detector';
import type { EndToEndResult } from './stages/end-to-end';
import type { IngestRow } from './stages/ingest';
import type { RedisBaseline } from './stages/redis-baseline';
import type { RefundResult } from './stages/refunds';
import type { ChecksResult } from './stages/checks';
import type { ScalingResult } from './stages/scaling';
import type { KafkaClientsResult } from './stages/kafka-clients';
import { renderKafkaClients } from './kafka-clients/report-section';

export interface BenchResults {
  startedAt: string;
  finishedAt?: string;
  mode: string;
  machine: ReturnType<typeof describeMachine>;
  ingest?: IngestRow[];
  detector?: { result: DetectorResult; flagHeavy?: DetectorResult; readBack?: DetectorResult; baseline: RedisBaseline };
  refunds?: RefundResult;
  endToEnd?: EndToEndResult;
  backtest?: BacktestResult;
  checks?: ChecksResult;
  scaling?: ScalingResult;
  kafkaClients?: KafkaClientsResult;
}


export function renderMarkdown(results: BenchResults, chartFile: string | undefined): string {
  const m = results.machine;
  const out: string[] = [
    `# Backstop benchmark, ${results.startedAt.slice(0, 10)}`,
    '',
    `Run ${results.startedAt} → ${results.finishedAt ?? '?'} (${results.mode}). Kafka, Redis, Postgres, every service and the load generator share this machine.`,
    '',
    table(['cores', 'cpu', 'memory', 'node', 'kafka', 'java', 'redis', 'postgres'], [[m.cores, m.cpuModel, `${m.memoryGiB} GiB`, m.node, m.kafka, m.java, m.redis, m.postgres]]),
  ];
  if (results.ingest) {
    const bare = new Map(results.ingest.filter((r) => r.target === 'bare-fastify').map((r) => [r.connections, r]));
    const best = Math.max(0, ...[...bare.values()].map((r) => r.requestsPerS));
    out.push('', '## 1. Ingest (autocannon, fresh signed events every request)', '',
      'Baseline: a bare Fastify route reading the same raw body, checking the same HMAC and parsing the JSON (bench/baselines/bare-fastify.ts). The single endpoint is compared at the same concurrency; the batch endpoint in events/s against the best bare requests/s.', '',
      'CPU µs / request is the answering process\'s own CPU time per answered request, a cost that holds however busy the machine is; the load generator (autocannon, signing every request) runs on the same two cores.', '',
      table(['endpoint', 'connections', 'requests/s', 'events/s', 'p50 ms', 'p99 ms', 'non-2xx', 'CPU µs / request', 'bare Fastify req/s', 'ratio'],
        results.ingest.filter((r) => r.target === 'ingest').map((r) => {
          const baseline = r.endpoint === 'single' ? bare.get(r.connections)?.requestsPerS ?? 0 : best;
          return [`${r.endpoint}${r.endpoint === 'batch' ? ` of ${r.eventsPerRequest}` : ''}`, r.connections, r.requestsPerS, r.eventsPerS, r.p50Ms, r.p99Ms, r.non2xx, r.serverCpuMicrosPerRequest, baseline, ratio(r.eventsPerS, baseline)];
        })),
      '', table(['bare Fastify', 'connections', 'requests/s', 'p50 ms', 'p99 ms', 'CPU µs / request'], [...bare.values()].map((r) => ['single', r.connections, r.requestsPerS, r.p50Ms, r.p99Ms, r.serverCpuMicrosPerRequest])));
  }
  if (results.detector) {
    const { result: d, flagHeavy, readBack, baseline: b } = results.detector;
    const runs = [d, flagHeavy, readBack].filter((r): r is DetectorResult => r !== undefined);
    const label = (r: DetectorResult) => `${r.traffic ?? 'realistic'}${r.copies === false ? ', state read back every event' : ''}`;
    out.push('', '## 2. Detector (pre-filled topic → every rule → flags on Kafka, offsets committed)', '',
      `Baseline: \`redis-benchmark\` calling the same observe script (EVALSHA, ${b.clients} clients, pipeline ${b.pipeline}, ${b.calls} calls, random payers and event ids). Round trips and bytes are counted in the detector's Redis client (pipeline flushes, including sku price reads), not from Redis's statistics. ` +
      'Realistic traffic: a payer pool grown with the events, each payer paying about every ten minutes of event time; flag-heavy: 5,000 payers whose events all fall within seconds, the worst case. ' +
      'As it ships the detector judges a payment from its own copy of the payer\'s state when it holds a current one, and records it with its flags in one call; "state read back every event" is the same realistic traffic with the copies turned off (`DETECTOR_STATE_COPY_PAYMENTS=0`).', '',
      table(['traffic', 'events', 'payers', 'flags', 'flag rate', 'judged from a copy', 'seconds', 'events/s', 'CPU µs / event', 'batches', 'Redis round trips / event', 'commands / event', 'Redis bytes out / in per event', 'redis-benchmark script calls/s', 'ratio'],
        runs.map((r) => [label(r), r.events, r.payers, r.flags, r.flagRate, r.judgedAheadShare === undefined ? undefined : `${Math.round(r.judgedAheadShare * 100)} %`, r.seconds, r.eventsPerS, r.cpuMicrosPerEvent, r.batches, r.roundTripsPerEvent, r.commandsPerEvent,
          r.redisBytesOutPerEvent === undefined ? undefined : `${r.redisBytesOutPerEvent} / ${r.redisBytesInPerEvent}`, b.callsPerS, ratio(r.eventsPerS, b.callsPerS)])),
      ...runs.flatMap((r) => ['', `${label(r)}: time awaiting Redis (observe and record pipelines, client encoding and reply parsing included): ${Math.round(r.redisWaitShare * 100)} %. ` +
        (r.kafkaRequests ? `Kafka requests in flight (share of wall time): ${Object.entries(r.kafkaRequests).map(([api, k]) => `${api} ${k.count}× ${Math.round(k.share * 100)} %`).join(', ')}. ` : '') +
        `Cores from the first batch until caught up: ${Object.entries(r.cores).map(([n, c]) => `${n} ${c}`).join(', ')}.`]));
  }
  if (results.refunds) {
    const r = results.refunds;
    out.push('', '## 3. Refund worker (pre-filled flags topic → decisions committed in Postgres)', '',
      table(['flags', 'decisions', 'seconds', 'decisions/s', 'worker RSS MiB', 'cores (ready → last decision)'],
        [[r.flags, r.decisions, r.seconds, r.decisionsPerS, r.workerRssMiB, r.cores ? Object.entries(r.cores).map(([n, c]) => `${n} ${c}`).join(', ') : undefined]]));
  }
  if (results.endToEnd) {
    const e = results.endToEnd;
    out.push('', '## 4. End to end (open loop, signed batches of realistic traffic with mistakes)', '',
      `**Headline: ${e.headlinePerS === undefined ? 'no step' : `${e.headlinePerS} events/s`}** is the highest offered rate at which p99 detection latency (event accepted → flag on Kafka) stayed under 100 ms with ≥ 95 % of the offered events accepted.`, '',
      chartFile ? `![latency against offered rate](${chartFile})\n` : '',
      table(['offered/s', 'accepted/s', 'flags', 'detect p50', 'p99', 'p99.9', 'to detector p99', 'in ingest p50 / p99', 'Kafka to detector p50 / p99', 'in detector p50 / p99', 'refund p50', 'p99', 'p99.9', 'max lag detector', 'max lag worker', 'drain s', 'not accepted (why)'],
        e.steps.map((s) => [s.offeredPerS, s.achievedPerS, s.detection.count, s.detection.p50Ms, s.detection.p99Ms, s.detection.p999Ms, s.toDetector?.p99Ms,
          pair(s.inIngest), pair(s.kafkaToDetector), pair(s.inDetector),
          s.refund.p50Ms, s.refund.p99Ms, s.refund.p999Ms, s.maxDetectorLag, s.maxWorkerLag, s.drainSeconds,
          s.rejected === 0 ? 0 : `${s.rejected} ${Object.entries(s.rejectedBy ?? {}).map(([why, n]) => `${why} ${n}`).join(', ')}`])),
      '', 'Latencies in ms. Detection latency is split at the moment the detector picked the event\'s batch up (the flag\'s flaggedAt): "to detector" covers ingest publishing, Kafka and waiting for the detector; "in detector" Redis, the rules and the flag send. ' +
        '"To detector" is split again where ingest\'s producer built the request carrying the event (the record\'s timestamp on the events topic): "in ingest" is ingest\'s Redis call, its gathering and its wait for the send before; "Kafka to detector" is the broker\'s acknowledgement, the detector\'s fetch and the pass it was in the middle of.',
      '', 'Cores used during each step (CPU seconds / wall seconds; infrastructure summed by command name, so other work on this shared machine counts too):', '');
    const names = [...new Set(e.steps.flatMap((s) => Object.keys(s.cores)))];
    out.push(table(['offered/s', ...names], e.steps.map((s) => [s.offeredPerS, ...names.map((n) => s.cores[n])])));
    if (e.roundTrip) {
      out.push('', `Baseline for these cores, the same run: a loopback round trip takes ${e.roundTrip.wallMicros} µs (redis-benchmark, one client, one PING at a time) and costs its caller ${e.roundTrip.callerCpuMicros} µs of CPU, ` +
        `${e.roundTrip.callerCpuMicrosAfterIdle} µs when the caller was idle for a millisecond before it (ioredis, from the bench process). A service's pass is a few round trips (a fetch, a Redis call, a produce, a commit), so below saturation each process's cores follow its passes, not its events.`);
    }
    out.push('', '## 5. Memory', '',
      table(['active payers', 'detector bytes / active payer', 'remembered event ids', 'dedupe bytes / event id'],
        [[e.memory.activePayers, e.memory.bytesPerActivePayer, e.memory.rememberedEventIds, e.memory.bytesPerRememberedEventId]]),
      '', `RSS after the end-to-end run (MiB): ${Object.entries(e.rssMiB).map(([n, v]) => `${n} ${v ?? '?'}`).join(', ')}` +
      (results.refunds?.workerRssMiB ? `; refund worker after stage 3: ${results.refunds.workerRssMiB}` : '') + '.');
  }
  if (results.backtest) {
    const b = results.backtest;
    out.push('', '## 6. Backtest (the whole period replayed in shadow and compared with production)', '',
      'Baseline: the detector as it ships on the same events in the same run, from its first batch until caught up. The backtest\'s events/s covers the whole run: the read plan, the replay through the rules in a shadow state, the policy in shadow and the comparison with Postgres. ' +
      'Live heap: what the process held after a full collection, above what it held before the run, sampled each second of the run and once after it; the collections\' time is left out of the rates.', '',
      table(['events', 'payers', 'seconds', 'events/s', 'replay alone events/s', 'detector events/s', 'ratio', 'flags', 'live heap'],
        [[b.events, b.payers, b.seconds, b.eventsPerS, b.replayEventsPerS, b.detectorEventsPerS, ratio(b.eventsPerS, b.detectorEventsPerS), b.candidateFlags, describeLiveHeap(b.liveHeapMiB)]]),
      '', `Where the time went: Redis executed commands ${Math.round(b.redisBusyShare * 100)} % of the run (INFO commandstats, every client); this process used ${Math.round(b.processCpuShare * 100)} % of a core.`);
  }
  if (results.checks) {
    const c = results.checks;
    const bare = new Map(c.rates.filter((r) => r.target === 'bare-fastify').map((r) => [r.offeredPerS, r]));
    out.push('', '## 7. Pre-payment checks (open loop, one signed check per request)', '',
      `A real ingest process answering \`POST /v1/checks\` on ${c.payers} payers with ${c.paymentsPerPayer} payments each in Redis, one check in ten for an order already paid; the rest of the pipeline idle. ` +
      'Latency runs from when each check was due to when its answer arrived; CPU µs / check is the answering process\'s own CPU time per answered check, a cost that holds however busy the machine is. Baseline: a bare Fastify route doing the same HMAC and JSON.parse and answering allow (bench/baselines/bare-fastify.ts), at the same offered rates.', '',
      table(['offered/s', 'answered/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'confirm', 'degraded', 'failed', 'load average', 'CPU µs / check', 'bare Fastify answered/s', 'bare p50 ms', 'bare p99 ms', 'bare load average', 'bare CPU µs / check'],
        c.rates.filter((r) => r.target === 'ingest').map((r) => {
          const b = bare.get(r.offeredPerS);
          return [r.offeredPerS, r.answeredPerS, r.p50Ms, r.p99Ms, r.p999Ms, r.confirmed, r.degraded, r.failed, r.loadAverage, r.serverCpuMicrosPerCheck, b?.answeredPerS, b?.p50Ms, b?.p99Ms, b?.loadAverage, b?.serverCpuMicrosPerCheck];
        })));
    if (c.beside) {
      const s = c.beside;
      out.push('', `Detection latency (event accepted → flag on Kafka) at ${s.eventsPerS} events/s, alone and with ${s.checksPerS} checks/s beside it on the same ingest:`, '',
        table(['', 'flags', 'detect p50 ms', 'p99 ms', 'p99.9 ms'], [
          ['events alone', s.alone.count, s.alone.p50Ms, s.alone.p99Ms, s.alone.p999Ms],
          [`with ${s.checksPerS} checks/s`, s.withChecks.count, s.withChecks.p50Ms, s.withChecks.p99Ms, s.withChecks.p999Ms],
        ]),
        '', `The checks themselves meanwhile: p50 ${s.checks.p50Ms} ms, p99 ${s.checks.p99Ms} ms, ${s.checksDegraded} degraded.`);
    }
  }
  if (results.scaling) {
    const g = results.scaling;
    const single = g.rows.find((r) => r.setup === 'single node');
    const clusterOne = g.rows.find((r) => r.setup === 'cluster' && r.instances === 1);
    out.push('', '## 8. Scaling out (the detector on a Kafka cluster and a Redis Cluster)', '',
      `Every run drains the same ${g.rows[0]?.events ?? 0} seeded events (seed ${g.seed}, ${g.payers} payers) from a topic of ${g.partitions} partitions with a fresh group and an empty payer state, timed from the first commit until every event was committed. ` +
      'Baseline: one detector on the single broker and the single Redis. The cluster: 3 KRaft brokers, every topic replicated three ways with two in sync (the flags are acknowledged by both), and a Redis Cluster of 3 masters and 3 replicas, all on this machine. ' +
      'Every process shares the same cores, so more detectors cannot go faster here: the rows show what replication and clustering cost and that added instances share the work correctly. Cores are counted over the run (java: every broker on the machine; Redis: every redis-server). Distinct flags differ a little between rows: a sku\'s price history is shared by payers on every partition, the order partitions are read in is never the same twice, and the detector reads that history through a cache refreshed by wall-clock time; a flag judged again when later history arrives is sent again under its id, hence more messages than flags.', '',
      table(['setup', 'detectors', 'events/s', 'ratio to single node', 'ratio to 1 detector on the cluster', 'seconds', 'flag messages', 'distinct flags', 'detector cores', 'events/s per detector core', 'java cores', 'redis cores', 'events/s per core in all'],
        g.rows.map((r) => {
          const all = r.cores.detectors + r.cores.java + r.cores.redis;
          return [r.setup, r.instances, r.eventsPerS, single ? ratio(r.eventsPerS, single.eventsPerS) : undefined, r.setup === 'cluster' && clusterOne ? ratio(r.eventsPerS, clusterOne.eventsPerS) : undefined,
            r.seconds, r.flags, r.distinctFlags, r.cores.detectors, r.cores.detectors > 0 ? Math.round(r.eventsPerS / r.cores.detectors) : undefined, r.cores.java, r.cores.redis, all > 0 ? Math.round(r.eventsPerS / all) : undefined];
        })));
    if (g.skuReads?.length) {
      out.push('', 'The per-tenant data every payer\'s judgement reads, the skus\' price histories, have a hash tag per sku, so on the cluster they are spread over every master. A cold read of many of them (what a detector does when its cache expires) goes as one pipeline per node:', '',
        table(['setup', 'skus', 'prices per sku', 'round trips', 'median ms', 'µs per sku'], g.skuReads.map((r) => [r.setup, r.skus, r.pricesPerSku, r.roundTrips, r.medianMs, r.microsPerSku])));
    }
  }
  if (results.kafkaClients) out.push('', ...renderKafkaClients(results.kafkaClients));
  return `${out.join('\n')}\n`;
}

/** Latency percentiles against offered rate: the knee of the saturation curve. */
export function renderChart(endToEnd: EndToEndResult): string {
  const steps = endToEnd.steps.filter((s) => s.detection.count > 0);
  return lineChart('Backstop end to end: latency against offered load', 'offered events/s', 'latency, ms (log)', [
    { name: 'detect p50', colour: '#1b9e77', points: steps.map((s) => ({ x: s.offeredPerS, y: s.detection.p50Ms })) },
    { name: 'detect p99', colour: '#d95f02', points: steps.map((s) => ({ x: s.offeredPerS, y: s.detection.p99Ms })) },
    { name: 'detect p99.9', colour: '#7570b3', points: steps.map((s) => ({ x: s.offeredPerS, y: s.detection.p999Ms })) },
    { name: 'refund p99', colour: '#e7298a', points: steps.filter((s) => s.refund.count > 0).map((s) => ({ x: s.offeredPerS, y: s.refund.p99Ms })) },
  ]);
}

/** "49.6–56.8 MiB over 16 samples, 0.5 after": the heap held during a run and after it. */
export function describeLiveHeap({ duringRun, afterRun }: BacktestResult['liveHeapMiB']): string {
  const range = duringRun.length > 0 ? `${Math.min(...duringRun)}–${Math.max(...duringRun)} MiB over ${duringRun.length} samples` : 'no sample during the run';
  return `${range}, ${afterRun} after`;
}
