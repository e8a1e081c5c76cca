import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@backstop/logging';
import { problemClientErrors } from './client-error';
import { recordRoutes } from './route-table';

/**
 * A Fastify instance with the project's defaults: its logger, no per-request log lines (the
 * hot path would drown the logs; metrics count requests instead), requests the HTTP parser
 * refuses answered as problem+json (counted by `onRejected` under their reason), and while
 * closing, 503 for new requests and `connection: close` on every answer.
 */
export function createFastify(
  logger: Logger,
  { bodyLimit, maxParamLength, onRejected }: { bodyLimit?: number; maxParamLength?: number; onRejected?: (reason: string) => void } = {},
): FastifyInstance {
  const clientErrors = problemClientErrors(onRejected);
  const app = Fastify({
    clientErrorHandler: clientErrors.handler,
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ...(bodyLimit !== undefined ? { bodyLimit } : {}),
    // Router settings at the top level are deprecated in Fastify 5 and warn on every start.
    ...(maxParamLength !== undefined ? { routerOptions: { maxParamLength } } : {}),
  });
  clientErrors.watch(app.server);
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
