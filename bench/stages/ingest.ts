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
}

export interface IngestOptions {
  seconds: number;
  singleConnections: number[];
  batchSize: number;
  batchConnections: number[];
}

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const traffic = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0 } });

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

function row(target: IngestRow['target'], endpoint: IngestRow['endpoint'], eventsPerRequest: number, connections: number, result: autocannon.Result): IngestRow {
  const requestsPerS = result['2xx'] / result.duration;
  return {
    target, endpoint, eventsPerRequest, connections,
    requestsPerS: Math.round(requestsPerS),
    eventsPerS: Math.round(requestsPerS * eventsPerRequest),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
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
    log(`  ${r.target} ${r.endpoint}×${r.eventsPerRequest} c=${r.connections}: ${r.requestsPerS} req/s, ${r.eventsPerS} events/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}`);
  };
  const ingest = await startIsolatedIngest({ INGEST_BODY_LIMIT: String(4 * 1024 * 1024), ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}) });
  try {
    await drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, 8, 2); // warm-up: JIT, connections, topic metadata
    for (const connections of options.singleConnections) {
      record(row('ingest', 'single', 1, connections, await drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, connections, options.seconds)));
    }
    for (const connections of options.batchConnections) {
      const result = await drive(ingest.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments:batch', options.batchSize, connections, options.seconds);
      record(row('ingest', 'batch', options.batchSize, connections, result));
    }
    const bare = await startBareFastify(ingest.secret);
    try {
      await drive(bare.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, 8, 2);
      for (const connections of options.singleConnections) {
        record(row('bare-fastify', 'single', 1, connections, await drive(bare.url, ingest.tenantId, ingest.secret, '/v1/webhooks/payments', 1, connections, options.seconds)));
      }
    } finally {
      await bare.stop();
    }
  } finally {
    await ingest.stop();
  }
  return rows;
}
