import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '@backstop/logging';
import { recordRoutes } from './route-table';

/**
 * A Fastify instance with the project's defaults: its logger, no per-request log lines (the
 * hot path would drown the logs; metrics count requests instead), and 503 while closing.
 */
export function createFastify(logger: Logger, options: { bodyLimit?: number } = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    ...options,
  });
  recordRoutes(app);
  return app;
}
