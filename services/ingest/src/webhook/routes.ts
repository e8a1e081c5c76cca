import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Problem } from '@backstop/http';
import { eventFingerprint, type DeliveryMemory } from '../delivery-memory';
import type { EventPublisher } from '../event-publisher';
import type { IngestMetrics } from '../metrics';
import type { TenantRateLimit } from '../rate-limit';
import { acceptEvents, type Candidate, type Outcome } from './accept';
import { authenticateSigned, keepJsonBodiesRaw } from './signed-request';
import { parseBatchEnvelope, validateEvent, type Bounds } from './validate';

export interface WebhookRouteOptions {
  memory: DeliveryMemory;
  publisher: EventPublisher;
  metrics: IngestMetrics;
  rateLimit: TenantRateLimit;
  secretsFor: (tenantId: string) => Promise<string[]>;
  secretsReadSince?: (tenantId: string, sinceMs: number) => Promise<string[]>;
  signatureToleranceSeconds: number;
  maxEventAgeSeconds: number;
}

const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export async function webhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  keepJsonBodiesRaw(app);
  const authenticate = (request: FastifyRequest) => authenticateSigned(request, options);

  const bounds = (nowMs: number): Bounds => ({ nowMs, maxFutureSkewMs: MAX_FUTURE_SKEW_MS, maxAgeMs: options.maxEventAgeSeconds * 1000 });

  function count(outcome: Outcome, type: string | undefined): void {
    if (outcome.status === 'accepted') options.metrics.accepted.inc({ type: type ?? 'unknown' });
    else if (outcome.status === 'duplicate') options.metrics.duplicates.inc();
  }

  app.post('/v1/webhooks/payments', async (request, reply) => {
    const { headers, body, nowMs } = await authenticate(request);
    let candidate: Candidate;
    try {
      const { event, marks } = validateEvent(body, headers.eventId, bounds(nowMs));
      candidate = { event, marks, fingerprint: eventFingerprint(event) };
    } catch (error) {
      // An invalid event costs its token as a valid one does, and a spent bucket answers 429 first.
      await options.rateLimit.take(headers.tenantId, 1, nowMs);
      throw error;
    }
    const { event } = candidate;
    const [outcome] = await acceptEvents(options, headers.tenantId, [candidate], nowMs, options.rateLimit.bucket(headers.tenantId, 1));
    if (!outcome || outcome.status === 'rejected') throw outcome?.problem ?? new Problem(500, 'internal', 'Internal error');
    count(outcome, event.type);
    return reply.status(outcome.status === 'duplicate' ? 200 : 202).send(outcome);
  });

  // "::" is Fastify's escape for a literal colon; a single one would start a path parameter.
  app.post('/v1/webhooks/payments::batch', async (request, reply) => {
    const { headers, body, nowMs } = await authenticate(request);
    const items = parseBatchEnvelope(body);
    return answerBatch(reply, await acceptBatch(headers.tenantId, items, nowMs));
  });

  /** Every item costs a token, valid or not; the valid ones pay in the call that claims them. */
  async function acceptBatch(tenantId: string, items: unknown[], nowMs: number): Promise<BatchResult[]> {
    const results: BatchResult[] = new Array(items.length);
    const candidates: Candidate[] = [];
    const positions: number[] = [];
    const invalid: string[] = [];
    items.forEach((item, index) => {
      try {
        const { event, marks } = validateEvent(item, undefined, bounds(nowMs));
        candidates.push({ event, marks, fingerprint: eventFingerprint(event) });
        positions.push(index);
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        invalid.push(error.reason);
        const id = (item as { id?: unknown } | null)?.id;
        results[index] = { index, ...(typeof id === 'string' ? { eventId: id } : {}), status: 'rejected', problem: error.toJSON() };
      }
    });
    if (candidates.length === 0) await options.rateLimit.take(tenantId, items.length, nowMs);
    const outcomes = candidates.length > 0 ? await acceptEvents(options, tenantId, candidates, nowMs, options.rateLimit.bucket(tenantId, items.length)) : [];
    // Counted once the request was let in: a refused request counts as one rejection.
    for (const reason of invalid) options.metrics.rejected.inc({ reason });
    outcomes.forEach((outcome, position) => {
      const index = positions[position]!;
      if (outcome.status === 'rejected') {
        options.metrics.rejected.inc({ reason: outcome.problem.reason });
        results[index] = { index, eventId: outcome.eventId, status: 'rejected', problem: outcome.problem.toJSON() };
      } else {
        count(outcome, candidates[position]!.event.type);
        results[index] = { index, ...outcome };
      }
    });
    return results;
  }
}

type BatchResult =
  | ({ index: number } & Exclude<Outcome, { status: 'rejected' }>)
  | { index: number; eventId?: string; status: 'rejected'; problem: ReturnType<Problem['toJSON']> };

/**
 * 200 with one result per event. When any event could not be recorded for a reason that
 * passes (the broker is away), the whole answer is 503 with Retry-After and the same results:
 * retrying the whole batch is safe, as the events already accepted come back as duplicates.
 */
function answerBatch(reply: FastifyReply, results: BatchResult[]) {
  const retryable = results.filter((result) => result.status === 'rejected' && result.problem.status === 503);
  if (retryable.length === 0) return reply.status(200).send({ results });
  const retryAfter = Math.max(...retryable.map((result) => Number((result as { problem: { retryAfterSeconds?: number } }).problem.retryAfterSeconds ?? 1)));
  const problem = new Problem(503, 'batch-partly-unrecorded', 'Some events were not recorded', `${retryable.length} of ${results.length} events were not recorded; retry the batch later.`, {
    retryAfterSeconds: retryAfter,
    results,
  });
  return reply.status(503).header('retry-after', String(retryAfter)).type('application/problem+json').send(problem.toJSON());
}
