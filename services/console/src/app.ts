import type { FastifyInstance } from 'fastify';
import { createFastify, installProblemHandlers } from '@backstop/http';
import type { Logger } from '@backstop/logging';
import type { Pool } from '@backstop/postgres';
import { financeRoutes } from './finance/routes';
import { policyRoutes } from './policies-routes';
import { refundWebhookRoutes } from './refund-webhook-routes';
import { refundRoutes } from './refunds/routes';

export interface ConsoleDeps {
  logger: Logger;
  pool: Pool;
}

export async function buildApp(deps: ConsoleDeps): Promise<FastifyInstance> {
  const app = createFastify(deps.logger);
  installProblemHandlers(app, () => undefined);
  app.get('/healthz', async () => ({ status: 'ok' }));
  await app.register(refundRoutes, { pool: deps.pool });
  await app.register(financeRoutes, { pool: deps.pool });
  await app.register(policyRoutes, { pool: deps.pool });
  await app.register(refundWebhookRoutes, { pool: deps.pool });
  return app;
}
