import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@backstop/logging';
import { recordRoutes } from './route-table';

/**
 * A Fastify instance with the project's defaults: its logger, no per-request log lines (the
 * hot path would drown the logs; metrics count requests instead), and while closing, 503 for
 * new requests and `connection: close` on every answer.
 */
export function createFastify(logger: Logger, { bodyLimit, maxParamLength }: { bodyLimit?: number; maxParamLength?: number } = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    // Router settings at the top level are deprecated in Fastify 5 and warn on every start.
    ...(maxParamLength !== undefined ? { routerOptions: { maxParamLength } } : {}),
  });
  recordRoutes(app);
  // A keep-alive connection would hold close() open until the client hangs up (or Node's 5 s
  // keep-alive timeout); once closing starts, each answer in flight tells the client to close it.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) void reply.header('connection', 'close');
  });
  return app;
}
