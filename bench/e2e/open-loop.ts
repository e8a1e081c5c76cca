import { randomUUID } from 'node:crypto';
import { Agent } from 'node:http';
import type { WebhookEvent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';
import { postJson } from '../lib/post-json';

export interface EventSource {
  next(): { event: WebhookEvent };
}

export interface OfferedLoad {
  ingestUrl: string;
  tenantId: string;
  secret: string;
  /** Events per second, held regardless of how fast the system answers (open loop). */
  rate: number;
  durationMs: number;
  /** Events due within one tick go out as one batch request. */
  tickMs: number;
  source: EventSource;
}

export interface LoadOutcome {
  offered: number;
  accepted: number;
  rejected: number;
  failedRequests: number;
  /** Why events were not accepted: an event's status, or a request's HTTP status / error name. */
  rejectedBy: Record<string, number>;
  /** When each accepted event was sent, by event id: the generator's own record. */
  sentAt: Map<string, number>;
  elapsedMs: number;
}

/**
 * An open-loop generator: the schedule says how many events are due by now, and they are sent
 * whether or not earlier requests were answered, as real payment traffic is. A closed loop
 * ("send when the last one came back") slows down with the system and hides its saturation.
 */
export async function offerLoad(load: OfferedLoad): Promise<LoadOutcome> {
  const outcome: LoadOutcome = { offered: 0, accepted: 0, rejected: 0, failedRequests: 0, rejectedBy: {}, sentAt: new Map(), elapsedMs: 0 };
  const inFlight = new Set<Promise<void>>();
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const target = new URL('/v1/webhooks/payments:batch', load.ingestUrl);
  const start = performance.now();
  const total = Math.round((load.rate * load.durationMs) / 1000);
  while (outcome.offered < total) {
    const elapsed = performance.now() - start;
    const due = Math.min(total, Math.floor((load.rate * elapsed) / 1000)) - outcome.offered;
    for (let remaining = due; remaining > 0; remaining -= 500) {
      const events = Array.from({ length: Math.min(500, remaining) }, () => load.source.next().event);
      outcome.offered += events.length;
      const request = postBatch(load, agent, target, events, outcome).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await new Promise((resolve) => setTimeout(resolve, load.tickMs));
  }
  await Promise.all(inFlight);
  agent.destroy();
  outcome.elapsedMs = performance.now() - start;
  return outcome;
}

async function postBatch(load: OfferedLoad, agent: Agent, target: URL, events: WebhookEvent[], outcome: LoadOutcome): Promise<void> {
  const body = JSON.stringify({ events });
  const sentAt = Date.now();
  try {
    const response = await postJson(agent, target, { 'x-tenant-id': load.tenantId, ...signedHeaders(load.secret, `batch_${randomUUID()}`, body) }, body);
    const answer = JSON.parse(response.text) as { results?: { eventId?: string; status: string; problem?: { type?: string } }[] };
    if (response.status < 200 || response.status >= 300) outcome.failedRequests += 1;
    if (!answer.results) {
      count(outcome, `http ${response.status}`, events.length);
      outcome.rejected += events.length;
      return;
    }
    // A 503 batch answer still says which of its events were recorded.
    answer.results.forEach((result, index) => {
      if (result.status === 'accepted' || result.status === 'duplicate') {
        outcome.accepted += 1;
        outcome.sentAt.set(events[index]!.id, sentAt);
      } else {
        count(outcome, result.problem?.type?.split('/').at(-1) ?? result.status, 1);
        outcome.rejected += 1;
      }
    });
  } catch (error) {
    count(outcome, (error as Error).name, events.length);
    outcome.failedRequests += 1;
    outcome.rejected += events.length;
  }
}

function count(outcome: LoadOutcome, reason: string, events: number): void {
  outcome.rejectedBy[reason] = (outcome.rejectedBy[reason] ?? 0) + events;
}
