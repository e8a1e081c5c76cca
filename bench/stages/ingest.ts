/**
 * Stage 1: the webhook endpoints of a real ingest process against the machine's ceiling, a bare
 * Fastify route doing only the unavoidable work (raw body, the same HMAC, JSON.parse), each
 * driven by autocannon at the same concurrencies, one after the other.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { signedHeaders } from '@backstop/signing';
import { TrafficGenerator } from '@backstop/testkit';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { startIsolatedIngest } from '../ingest/isolated-ingest';

export interface IngestRow {
  target: 'ingest' | 'bare-fastify';
  endpoint: 'single' | 'batch';
  eventsPerRequest: number;
  connections: number;
  requestsPerS: number;
  eventsPerS: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** CPU time of the answering process per answered request (µs): what a request costs there, however busy the machine. */
  serverCpuMicrosPerRequest?: number;
  /** Cores in use while it ran: the answering process, the load generator (this process) and the infrastructure. */
  cores?: Record<string, number>;
}

export interface IngestOptions {
  seconds: number;
  singleConnections: number[];
  batchSize: number;
  batchConnections: number[];
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const traffic = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0 } });

/** What one drive measured: autocannon's result and the cores each process used meanwhile. */
interface Driven {
  result: autocannon.Result;
  cores: Record<string, number>;
}

async function measured(serverPid: number | undefined, run: () => Promise<autocannon.Result>): Promise<Driven> {
  const pids = { server: serverPid, 'load generator': process.pid };
  const before = readCpu(pids);
  const startedAt = performance.now();
  const result = await run();
  return { result, cores: coresBetween(before, readCpu(pids), (performance.now() - startedAt) / 1000) };
}

async function drive(url: string, tenantId: string, secret: string, path: string, eventsPerRequest: number, connections: number, seconds: number) {
  return autocannon({
    url,
    connections,
    duration: seconds,
    timeout: 30,
    requests: [{
      method: 'POST',
      path,
      // Fresh events signed as they are sent: nothing is answered from the dedupe memory.
      setupRequest: (request) => {
        const events = Array.from({ length: eventsPerRequest }, () => traffic.next().event);
        const single = eventsPerRequest === 1;
        const body = JSON.stringify(single ? events[0] : { events });
        const id = single ? events[0]!.id : `batch_${randomUUID()}`;
        return { ...request, body, headers: { 'content-type': 'application/json', 'x-tenant-id': tenantId, ...signedHeaders(secret, id, body) } };
      },
    }],
  });
}

function row(target: IngestRow['target'], endpoint: IngestRow['endpoint'], eventsPerRequest: number, connections: number, { result, cores }: Driven): IngestRow {
  const requestsPerS = result['2xx'] / result.duration;
  const serverCores = cores.server ?? 0;
  return {
    target, endpoint, eventsPerRequest, connections,
    requestsPerS: Math.round(requestsPerS),
    eventsPerS: Math.round(requestsPerS * eventsPerRequest),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    serverCpuMicrosPerRequest: requestsPerS > 0 ? Math.round((serverCores * 1e6) / requestsPerS) : undefined,
    cores,
  };
}

export async function startBareFastify(secret: string): Promise<{ url: string; pid: number | undefined; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/baselines/bare-fastify.ts', '0', secret], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bare fastify exited (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const address = /listening (\S+)/.exec(line)?.[1];
      if (address) resolve(address);
    });
  });
  return { url, pid: child.pid, stop: () => new Promise((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); }) };
}

export async function benchIngest(options: IngestOptions, log: (line: string) => void): Promise<IngestRow[]> {
  const rows: IngestRow[] = [];
  const record = (r: IngestRow) => {
    rows.push(r);
    log(`  ${r.target} ${r.endpoint}×${r.eventsPerRequest} c=${r.connections}: ${r.requestsPerS} req/s, ${r.eventsPerS} events/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}; ${r.serverCpuMicrosPerRequest} µs of server CPU per request; cores ${JSON.stringify(r.cores)}`);
  };
  const ingest = await startIsolatedIngest({ INGEST_BODY_LIMIT: String(4 * 1024 * 1024), ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}) });
  try {
    await drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, 8, 2); // warm-up: JIT, connections, topic metadata
    for (const connections of options.singleConnections) {
      record(row('ingest', 'single', 1, connections, await measured(ingest.pid, () => drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, connections, options.seconds))));
    }
    for (const connections of options.batchConnections) {
      const driven = await measured(ingest.pid, () => drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments:batch', options.batchSize, connections, options.seconds));
      record(row('ingest', 'batch', options.batchSize, connections, driven));
    }
    const bare = await startBareFastify(ingest.secret);
    try {
      await drive(bare.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, 8, 2);
      for (const connections of options.singleConnections) {
        record(row('bare-fastify', 'single', 1, connections, await measured(bare.pid, () => drive(bare.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, connections, options.seconds))));
      }
    } finally {
      await bare.stop();
    }
  } finally {
    await ingest.stop();
  }
  return rows;
}
