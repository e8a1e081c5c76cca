import type { FastifyInstance } from 'fastify';
import { bodyFingerprint, type DeliveryMemory } from '../delivery-memory';
import type { EventPublisher } from '../event-publisher';
import type { IngestMetrics } from '../metrics';
import { acceptEvent } from './accept';
import { checkSignature, checkTimestamp, readWebhookHeaders } from './authenticate';
import { parseJson, validateEvent } from './validate';

export interface WebhookRouteOptions {
  memory: DeliveryMemory;
  publisher: EventPublisher;
  metrics: IngestMetrics;
  secretsFor: (tenantId: string) => Promise<string[]>;
  signatureToleranceSeconds: number;
  maxEventAgeSeconds: number;
}

const MAX_FUTURE_SKEW_MS = 5 * 60_000;

export async function webhookRoutes(app: FastifyInstance, options: WebhookRouteOptions): Promise<void> {
  // The signature covers the exact bytes sent, so the body is kept raw until it is verified.
  app.addContentTypeParser(['application/json'], { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/v1/webhooks/payments', async (request, reply) => {
    const rawBody = request.body as Buffer;
    const headers = readWebhookHeaders(request.headers);
    checkTimestamp(headers.timestamp, options.signatureToleranceSeconds);
    checkSignature(await options.secretsFor(headers.tenantId), headers, rawBody);
    const { event, marks } = validateEvent(parseJson(rawBody), headers.eventId, {
      nowMs: Date.now(),
      maxFutureSkewMs: MAX_FUTURE_SKEW_MS,
      maxAgeMs: options.maxEventAgeSeconds * 1000,
    });
    const acceptance = await acceptEvent(options, headers.tenantId, event, marks, bodyFingerprint(rawBody));
    if (acceptance.status === 'duplicate') {
      options.metrics.duplicates.inc();
      return reply.status(200).send(acceptance);
    }
    options.metrics.accepted.inc({ type: event.type });
    return reply.status(202).send({ ...acceptance, marks });
  });
}
