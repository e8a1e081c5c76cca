import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifySse from '@fastify/sse';
import fastifyStatic from '@fastify/static';
import { createFastify, installProblemHandlers, recordRequestLatency } from '@backstop/http';
import type { Logger } from '@backstop/logging';
import type { Pool } from '@backstop/postgres';
import type { FlagNotifier } from './flags/flag-notifier';
import { adminRoutes } from './admin/routes';
import type { BacktestJobs } from './backtests/jobs';
import { backtestRoutes } from './backtests/routes';
import { createConsoleMetrics, type ConsoleMetrics } from './metrics';
import { healthSchema, metricsSchema, readySchema } from './openapi/operations';
import { registerDocs } from './openapi/docs';
import { evidenceRoutes } from './evidence/evidence-routes';
import { findPdfFont } from './evidence/pdf-font';
import { flagRoutes } from './flags/routes';
import { notificationRoutes } from './notifications/notification-routes';
import { payerLinkRoutes } from './payer/link-routes';
import { payerPageRoutes } from './payer/page-routes';
import { financeRoutes } from './finance/routes';
import { policyRoutes } from './policies-routes';
import { refundWebhookRoutes } from './refund-webhook-routes';
import { refundRoutes } from './refunds/routes';
import { rulesRoutes } from './rules-routes';
import { checkoutDemoRoutes } from './demo/checkout-routes';

export interface ConsoleDeps {
  logger: Logger;
  pool: Pool;
  /** Its own registry when none is given. */
  metrics?: ConsoleMetrics;
  notifier: FlagNotifier;
  /** Live-feed heartbeat, so proxies and clients can tell a quiet feed from a dead one. */
  heartbeatMs?: number;
  /** The origin in payer links; unset, the one each request came to. */
  publicUrl?: string | undefined;
  /** A font with Chinese glyphs for evidence PDFs; unset, an installed one is looked for. */
  pdfFont?: string | undefined;
  /** Backtests as jobs; without them the backtest routes answer 503. */
  backtests?: BacktestJobs;
  /** The checkout demo's tenant and ingest; without it /demo/checkout is not served. */
  demo?: { tenantId: string; ingestUrl: string };
}

const webRoot = fileURLToPath(new URL('../web', import.meta.url));
/** The page renders summaries with the very module the services use. */
const messagesRoot = dirname(fileURLToPath(import.meta.resolve('@backstop/messages')));

/** Builds the console (API and web page) without listening, so tests can drive it. */
export async function buildApp(deps: ConsoleDeps): Promise<FastifyInstance> {
  // A payer link's token is one path segment of about 150 characters, past Fastify's default
  // of 100; a longer one must still reach the route to be answered with the "not valid" page.
  const app = createFastify(deps.logger, { maxParamLength: 8_192 });
  const metrics = deps.metrics ?? createConsoleMetrics();
  installProblemHandlers(app, (reason) => metrics.rejected.inc({ reason }));
  recordRequestLatency(app, metrics.latency);
  // First: the document is made of the routes registered after it.
  await registerDocs(app);
  await app.register(fastifySse, { heartbeatInterval: deps.heartbeatMs ?? 15_000 });
  await app.register(fastifyStatic, { root: webRoot, prefix: '/', index: ['index.html'] });
  await app.register(fastifyStatic, {
    root: messagesRoot, prefix: '/lib/messages/', decorateReply: false, allowedPath: (path) => path.endsWith('.js') && !path.includes('.test.'),
  });
  app.get('/healthz', { schema: healthSchema }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: readySchema }, async (_request, reply) => {
    try {
      await deps.pool.query('SELECT 1');
      return { status: 'ready' as const };
    } catch (error) {
      return reply.status(503).send({ status: 'not-ready' as const, reason: `postgres: ${(error as Error).message}` });
    }
  });
  app.get('/metrics', { schema: metricsSchema }, async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  await app.register(refundRoutes, { pool: deps.pool });
  await app.register(flagRoutes, { pool: deps.pool, notifier: deps.notifier, liveFeeds: metrics.liveFeeds });
  await app.register(adminRoutes, { pool: deps.pool });
  await app.register(financeRoutes, { pool: deps.pool });
  await app.register(policyRoutes, { pool: deps.pool });
  await app.register(rulesRoutes, { pool: deps.pool });
  await app.register(backtestRoutes, { pool: deps.pool, ...(deps.backtests ? { jobs: deps.backtests } : {}) });
  await app.register(refundWebhookRoutes, { pool: deps.pool });
  // Looked for once: the evidence routes and the payer's page embed the same font.
  const font = findPdfFont(deps.pdfFont);
  if (!font) app.log.warn({ pdfFont: deps.pdfFont }, 'no font with Chinese glyphs found: evidence PDFs answer 503 until one is installed');
  await app.register(evidenceRoutes, { pool: deps.pool, publicUrl: deps.publicUrl, font });
  await app.register(notificationRoutes, { pool: deps.pool });
  await app.register(payerLinkRoutes, { pool: deps.pool, publicUrl: deps.publicUrl });
  await app.register(payerPageRoutes, {
    pool: deps.pool, publicUrl: deps.publicUrl, font, onNotValid: () => metrics.rejected.inc({ reason: 'payer-link-not-valid' }),
    onRejected: (reason) => metrics.rejected.inc({ reason }),
  });
  if (deps.demo) await app.register(checkoutDemoRoutes, { pool: deps.pool, ...deps.demo });
  return app;
}
