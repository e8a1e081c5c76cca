import { Agent, request } from 'node:http';
import type { CheckIntent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';
import { latencyHistogram, summarize, type LatencySummary } from '../lib/latency';

export interface OfferedChecks {
  url: string;
  tenantId: string;
  secret: string;
  /** Checks per second, held whatever the answers do (open loop). */
  rate: number;
  durationMs: number;
  intent: () => CheckIntent;
}

export interface CheckLoadOutcome {
  offered: number;
  answered: number;
  confirmed: number;
  degraded: number;
  failed: number;
  /** From when each check was due to when its answer had arrived: a late send counts against it. */
  latency: LatencySummary;
  elapsedMs: number;
}

const TICK_MS = 1;

/**
 * Posts signed checks on a fixed schedule, one request each over keep-alive connections, and
 * measures each from the moment it was due, not from when it could be sent: a saturated
 * server (or generator) shows up as latency instead of as a lower offered rate.
 */
export async function offerChecks(load: OfferedChecks): Promise<CheckLoadOutcome> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL('/v1/checks', load.url);
  const histogram = latencyHistogram();
  const outcome = { offered: 0, answered: 0, confirmed: 0, degraded: 0, failed: 0 };
  const inFlight = new Set<Promise<void>>();
  const total = Math.round((load.rate * load.durationMs) / 1000);
  const start = performance.now();

  const send = (dueAt: number) =>
    new Promise<void>((resolve) => {
      const intent = load.intent();
      const body = JSON.stringify(intent);
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'x-tenant-id': load.tenantId, ...signedHeaders(load.secret, intent.intentId, body) };
      const call = request(target, { method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000)));
          if (response.statusCode === 200) {
            const answer = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { verdict: string; degraded: boolean };
            outcome.answered += 1;
            if (answer.verdict === 'confirm') outcome.confirmed += 1;
            if (answer.degraded) outcome.degraded += 1;
          } else {
            outcome.failed += 1;
          }
          resolve();
        });
      });
      call.on('error', () => {
        outcome.failed += 1;
        resolve();
      });
      call.end(body);
    });

  while (outcome.offered < total) {
    const due = Math.min(total, Math.floor((load.rate * (performance.now() - start)) / 1000));
    for (; outcome.offered < due; outcome.offered += 1) {
      const dueAt = start + (outcome.offered * 1000) / load.rate;
      const pending = send(dueAt).finally(() => inFlight.delete(pending));
      inFlight.add(pending);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { ...outcome, latency: summarize(histogram), elapsedMs: performance.now() - start };
}
