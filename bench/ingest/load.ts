/**
 * `npm run load:ingest`: throughput and latency of a real ingest process on the local Kafka,
 * Redis and Postgres, driven by autocannon. Every request carries fresh events, signed at the
 * moment it is sent, so nothing is answered from the dedupe memory.
 *
 *   LOAD_DURATION_S=20 LOAD_CONNECTIONS=32 LOAD_BATCH=100 npm run load:ingest
 *
 * Prints, per scenario: requests/s, events/s, p50/p99 latency and any non-2xx answers.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { signedHeaders } from '@backstop/signing';
import { TrafficGenerator } from '@backstop/testkit';
import { startIsolatedIngest, type IsolatedIngest } from './isolated-ingest';

const durationS = Number(process.env.LOAD_DURATION_S ?? 20);
const connections = Number(process.env.LOAD_CONNECTIONS ?? 32);
const batchSizes = (process.env.LOAD_BATCH ?? '100,500').split(',').map(Number).filter((size) => size > 0);

const traffic = new TrafficGenerator({ mix: { mistakes: { duplicate: 0.02, amount: 0.01, recipient: 0.01, product: 0.01 }, delivered: 0.3, retry: 0 } });

interface Scenario {
  title: string;
  path: string;
  eventsPerRequest: number;
  connections: number;
}

async function run(ingest: IsolatedIngest, scenario: Scenario, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: ingest.url,
    title: scenario.title,
    connections: scenario.connections,
    duration: seconds,
    timeout: 30,
    requests: [
      {
        method: 'POST',
        path: scenario.path,
        setupRequest: (request) => {
          const events = Array.from({ length: scenario.eventsPerRequest }, () => traffic.next().event);
          const single = scenario.eventsPerRequest === 1;
          const body = JSON.stringify(single ? events[0] : { events });
          const id = single ? events[0]!.id : `batch_${randomUUID()}`;
          return { ...request, body, headers: { 'content-type': 'application/json', 'x-tenant-id': ingest.tenantId, ...signedHeaders(ingest.secret, id, body) } };
        },
      },
    ],
  });
}

function report(scenario: Scenario, result: autocannon.Result): string {
  const requestsPerS = result['2xx'] / result.duration;
  return [
    `${scenario.title}: ${scenario.connections} connections, ${result.duration.toFixed(0)} s`,
    `  ${requestsPerS.toFixed(0)} requests/s = ${(requestsPerS * scenario.eventsPerRequest).toFixed(0)} events/s accepted`,
    `  latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`,
    `  non-2xx ${result.non2xx}, errors ${result.errors}, timeouts ${result.timeouts}`,
  ].join('\n');
}

const scenarios: Scenario[] = [
  { title: 'single event  POST /v1/webhooks/payments', path: '/v1/webhooks/payments', eventsPerRequest: 1, connections },
  ...batchSizes.map((size) => ({
    title: `batch of ${size}  POST /v1/webhooks/payments:batch`,
    path: '/v1/webhooks/payments:batch',
    eventsPerRequest: size,
    // Enough batches in flight to keep the group commit busy, not so many that they only queue.
    connections: Math.max(2, Math.min(connections, Math.ceil(800 / size))),
  })),
];

const ingest = await startIsolatedIngest({ INGEST_BODY_LIMIT: String(4 * 1024 * 1024) });
try {
  process.stdout.write(`ingest at ${ingest.url}; ${durationS} s per scenario after a 3 s warm-up\n`);
  await run(ingest, scenarios[0]!, 3);
  const lines: string[] = [];
  for (const scenario of scenarios) {
    const result = await run(ingest, scenario, durationS);
    lines.push(report(scenario, result));
    process.stdout.write(`${lines.at(-1)}\n`);
  }
} finally {
  await ingest.stop();
}
