/**
 * `npm run soak -- --minutes N [--rate 50] [--payers 5000]`
 *
 * Drives the simulator at a steady rate through ingest, the detector and the refund worker,
 * each a real process in a private slice of the local Kafka and Postgres (own database and
 * topic prefix, removed afterwards) and a redis-server of its own. Every 30 s it prints the lag of both
 * consumer groups, the resident memory of each process and Redis's used_memory; at the end
 * it runs the invariant checker on the sender's record and compares memory in the first and
 * last thirds of the run: it must level off, not grow with the number of events.
 *
 * Redis keeps what it must for set horizons (ingest's dedupe window of 24 h, the detector's
 * per-payer windows of hours to days), so in a run of minutes its memory grows as those
 * fill. `--horizon-seconds N` shrinks every horizon to N seconds, so a short soak shows
 * Redis levelling off once they are full. The detector then forgets a payer's usual
 * category or an order within N seconds, so mistakes the simulator plants against older
 * history go unflagged: in that mode, read the checker for lost events and doubles only.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { topicName } from '@backstop/contracts';
import { median } from '@backstop/detection';
import { createLogger } from '@backstop/logging';
import { createTenant } from '@backstop/tenancy';
import { freePort, PrivateRedis } from '../../test/support/private-redis';
import { sendTraffic } from '../../test/support/simulated-traffic';
import { createSlice, DEFAULT_MIX } from '@backstop/testkit';
import { startServiceProcess, type ServiceProcess } from '../../infra/dev/service-process';
import { groupLag } from '../../infra/tools/invariants/collect';
import { checkLive } from '../../infra/tools/invariants/check';
import { endpointsFromEnv } from '../lib/slice';

const { values } = parseArgs({
  options: { 'horizon-seconds': { type: 'string' }, minutes: { type: 'string', default: '3' }, rate: { type: 'string', default: '50' }, payers: { type: 'string', default: '5000' }, 'sample-seconds': { type: 'string', default: '30' } },
  strict: true,
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const sampleMs = Number(values['sample-seconds']) * 1000;
if (!(minutes > 0 && minutes <= 240) || !(rate > 0 && rate <= 2000)) throw new Error('--minutes must be in (0, 240] and --rate in (0, 2000]');

// A redis-server of the soak's own: used_memory is then the services' alone, not whatever
// else shares the machine's Redis.
const privateRedis = new PrivateRedis(await freePort());
await privateRedis.start();
const slice = await createSlice({ ...endpointsFromEnv(), redisUrl: privateRedis.url }, { name: 'soak', partitions: { paymentEvents: 3, flags: 2 }, logger: createLogger('soak', 'warn') });
const { kafka, redis, topicPrefix } = slice;
const tenantId = 'soakshop';
const { webhookSecret } = await createTenant(slice.pool, { tenantId, name: 'Soak shop' });

const env = {
  ...slice.env,
  INGEST_PORT: '0', CONSOLE_PORT: '0', DETECTOR_METRICS_PORT: '0', REFUND_WORKER_METRICS_PORT: '0', LOG_LEVEL: 'warn',
  ...(values['horizon-seconds'] ? horizons(Number(values['horizon-seconds'])) : {}),
};

function horizons(seconds: number): Record<string, string> {
  if (!(seconds >= 60)) throw new Error('--horizon-seconds must be at least 60');
  return {
    INGEST_DEDUPE_WINDOW_S: String(seconds),
    DETECTOR_SEEN_HOURS: String(seconds / 3600),
    DETECTOR_HISTORY_DAYS: String(seconds / 86_400),
    DETECTOR_ORDER_DAYS: String(seconds / 86_400),
  };
}
const services: ServiceProcess[] = (['ingest', 'detector', 'refund-worker'] as const).map((name) => startServiceProcess(name, { ...env, LOG_LEVEL: 'info' }));
await Promise.all(services.map((service) => service.ready));
// Keep only the last lines: the soak measures the services, not its own log buffer.
for (const service of services) setInterval(() => service.lines.splice(0, Math.max(0, service.lines.length - 100)), 5_000).unref();

const rssMb = (pid: number | undefined) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
};
const redisUsedMb = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? NaN) / 1_048_576;
const detectorGroup = `${topicPrefix}backstop-detector`;
const workerGroup = `${topicPrefix}backstop-refund-worker`;

interface Sample { atS: number; answered: number; detectorLag: number; workerLag: number; rss: Record<string, number>; redisMb: number }
const samples: Sample[] = [];
const startedAt = Date.now();
let answered = 0;
const traffic = sendTraffic({
  ingestUrl: services[0]!.address!, tenantId, secret: webhookSecret, count: Math.round(rate * minutes * 60), rate,
  payers: Number(values.payers), mix: DEFAULT_MIX, onAnswered: (count) => (answered = count),
});

const header = `${'t (s)'.padStart(6)} ${'answered'.padStart(9)} ${'lag det'.padStart(8)} ${'lag ref'.padStart(8)} ${'ingest MB'.padStart(10)} ${'detector MB'.padStart(12)} ${'refund MB'.padStart(10)} ${'redis MB'.padStart(9)}`;
process.stdout.write(`Soak ${slice.id}: ${rate} events/s for ${minutes} min, ${values.payers} payers${values['horizon-seconds'] ? `, every horizon ${values['horizon-seconds']} s` : ''}\n${header}\n`);
async function sample(): Promise<void> {
  const s: Sample = {
    atS: Math.round((Date.now() - startedAt) / 1000),
    answered,
    detectorLag: await groupLag(kafka, detectorGroup, topicName('paymentEvents', topicPrefix)),
    workerLag: await groupLag(kafka, workerGroup, topicName('flags', topicPrefix)),
    rss: Object.fromEntries(services.map((service) => [service.name, rssMb(service.child.pid)])),
    redisMb: await redisUsedMb(),
  };
  samples.push(s);
  const mb = (value: number | undefined, width: number) => (value ?? NaN).toFixed(1).padStart(width);
  process.stdout.write(`${String(s.atS).padStart(6)} ${String(s.answered).padStart(9)} ${String(s.detectorLag).padStart(8)} ${String(s.workerLag).padStart(8)} ${mb(s.rss.ingest, 10)} ${mb(s.rss.detector, 12)} ${mb(s.rss['refund-worker'], 10)} ${mb(s.redisMb, 9)}\n`);
}
const timer = setInterval(() => void sample(), sampleMs);
const sent = await traffic.done;
clearInterval(timer);
await sample();

const { report, text } = await checkLive(sent.map((event) => JSON.stringify(event)).join('\n'), {
  KAFKA_BROKERS: slice.brokers, KAFKA_TOPIC_PREFIX: topicPrefix, DATABASE_URL: slice.databaseUrl, DETECTOR_GROUP_ID: 'backstop-detector', REFUND_WORKER_GROUP_ID: 'backstop-refund-worker',
}, 120_000);
process.stdout.write(`\nInvariant checker:\n${text}`);

// Memory levels off when the last third of the run is no higher than the middle third, give or take.
const third = Math.max(1, Math.floor(samples.length / 3));
const series: Record<string, (s: Sample) => number> = {
  ingest: (s) => s.rss.ingest!, detector: (s) => s.rss.detector!, 'refund-worker': (s) => s.rss['refund-worker']!, redis: (s) => s.redisMb,
};
process.stdout.write('\nMemory (MB): median of the middle third -> median of the last third, peak\n');
// Thirds need three samples; a run cut shorter says so instead of comparing nothing.
if (samples.length < 3) process.stdout.write(`  only ${samples.length} samples: too few to tell\n`);
else for (const [name, of] of Object.entries(series)) {
  const middle = median(samples.slice(third, 2 * third).map(of));
  const last = median(samples.slice(-third).map(of));
  const peak = Math.max(...samples.map(of));
  process.stdout.write(`  ${name.padEnd(14)} ${middle.toFixed(1).padStart(8)} -> ${last.toFixed(1).padStart(8)}  (${last > middle * 1.15 ? 'GROWING' : 'level'}), peak ${peak.toFixed(1)}\n`);
}

await Promise.all(services.map((service) => service.stop('SIGTERM')));
await slice.close();
await privateRedis.kill();
process.exit(report.violations.length === 0 ? 0 : 1);
