import { Agent } from 'node:http';
import type { CheckIntent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';
import { latencyHistogram, summarize, type LatencySummary } from '../lib/latency';
import { postJson } from '../lib/post-json';

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

  const send = async (dueAt: number) => {
    const intent = load.intent();
    const body = JSON.stringify(intent);
    try {
      const answer = await postJson(agent, target, { 'x-tenant-id': load.tenantId, ...signedHeaders(load.secret, intent.intentId, body) }, body);
      histogram.recordValue(Math.max(1, Math.round((performance.now() - dueAt) * 1000)));
      if (answer.status !== 200) {
        outcome.failed += 1;
        return;
      }
      const check = JSON.parse(answer.text) as { verdict: string; degraded: boolean };
      outcome.answered += 1;
      if (check.verdict === 'confirm') outcome.confirmed += 1;
      if (check.degraded) outcome.degraded += 1;
    } catch {
      outcome.failed += 1;
    }
  };

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
