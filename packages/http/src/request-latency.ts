import type { FastifyInstance } from 'fastify';
import type { Histogram } from 'prom-client';

/**
 * Observes every answered request in `histogram` (labels `route`, `status`), by the route's
 * pattern, never the path a client sent: an id in a URL never becomes a label.
 */
export function recordRequestLatency(app: FastifyInstance, histogram: Histogram<'route' | 'status'>): void {
  app.addHook('onResponse', async (request, reply) => {
    histogram.observe(
      // Routes are registered with "::" for a literal colon; report the path as clients see it.
      { route: request.routeOptions.url?.replaceAll('::', ':') ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}
