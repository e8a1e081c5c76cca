import type { FastifyInstance } from 'fastify';
import type { Logger } from '@backstop/logging';
import type { DeliveryMemory } from './delivery-memory';
import type { EventPublisher } from './event-publisher';
import { createFastify, installProblemHandlers, recordRequestLatency } from '@backstop/http';
import type { IngestMetrics } from './metrics';
import type { TenantRateLimit } from './rate-limit';
import { registerDocs } from './openapi';
import { webhookRoutes } from './webhook/routes';
import { checkRoutes } from './check/routes';
import type { PaymentCheck, WarningLog } from '@backstop/detection';

export interface IngestDeps {
  logger: Logger;
  memory: DeliveryMemory;
  publisher: EventPublisher;
  metrics: IngestMetrics;
  rateLimit: TenantRateLimit;
  secretsFor: (tenantId: string) => Promise<string[]>;
  /** With cached secrets: the tenant's secrets as read since a moment, for a signature the cached ones refuse. */
  secretsReadSince?: (tenantId: string, sinceMs: number) => Promise<string[]>;
  /** Resolves when Kafka and Redis answer and the platform-topic consumer runs; rejects with the reason otherwise. */
  checkReady: () => Promise<void>;
  bodyLimit: number;
  signatureToleranceSeconds: number;
  maxEventAgeSeconds: number;
  paymentCheck: PaymentCheck;
  checkDeadlineMs: number;
  checkMaxInFlight: number;
  warnings: WarningLog;
  warningTtlSeconds: number;
}

/** Builds the ingest HTTP app without listening, so tests can drive it with `inject`. */
export async function buildApp(deps: IngestDeps): Promise<FastifyInstance> {
  const rejected = (reason: string) => deps.metrics.rejected.inc({ reason });
  const app = createFastify(deps.logger, { bodyLimit: deps.bodyLimit, onRejected: rejected });
  installProblemHandlers(app, rejected);

  recordRequestLatency(app, deps.metrics.latency);

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.checkReady();
      return { status: 'ready' };
    } catch (error) {
      return reply.status(503).send({ status: 'not-ready', reason: (error as Error).message });
    }
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  await registerDocs(app);
  await app.register(webhookRoutes, deps);
  await app.register(checkRoutes, { ...deps, deadlineMs: deps.checkDeadlineMs, maxInFlight: deps.checkMaxInFlight });
  return app;
}
