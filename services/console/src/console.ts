import type { FastifyInstance } from 'fastify';
import { ShutdownPlan, type ShutdownStep } from '@backstop/lifecycle';
import { createLogger, type Logger } from '@backstop/logging';
import { createPool, type Pool } from '@backstop/postgres';
import { buildApp } from './app';
import type { ConsoleConfig } from './config';
import { FlagNotifier } from './flags/flag-notifier';

/** What a caller may hand in instead of what the configuration names; it closes those itself. */
export interface ConsoleParts {
  logger?: Logger;
  pool?: Pool;
  /** Live-feed heartbeat; tests shorten it. */
  heartbeatMs?: number;
}

export interface ConsoleService {
  readonly logger: Logger;
  /** Builds the app and follows new flags; with `listen` (the default) takes requests too. */
  start(options?: { listen?: boolean }): Promise<{ app: FastifyInstance; notifier: FlagNotifier; address?: string }>;
  /** Stop steps in the order they run, for `stopOnSignals`. */
  shutdownSteps(): ShutdownStep[];
  stop(): Promise<void>;
}

/** The console, wired once: `src/index.ts` builds it here; tests drive `buildApp` or this. */
export function createConsole(config: ConsoleConfig, parts: ConsoleParts = {}): ConsoleService {
  const logger = parts.logger ?? createLogger('console', config.LOG_LEVEL);
  const plan = new ShutdownPlan();
  return {
    logger,
    shutdownSteps: () => plan.ordered,
    stop: () => plan.run(),
    async start({ listen = true } = {}) {
      const pool = parts.pool ?? createPool(config.DATABASE_URL, 'backstop-console');
      if (!parts.pool) plan.add('postgres', () => pool.end());
      const notifier = new FlagNotifier(config.DATABASE_URL, logger);
      await notifier.start();
      const demo = config.CONSOLE_DEMO_TENANT ? { tenantId: config.CONSOLE_DEMO_TENANT, ingestUrl: config.CONSOLE_DEMO_INGEST_URL } : undefined;
      const app = await buildApp({ logger, pool, notifier, ...(parts.heartbeatMs !== undefined ? { heartbeatMs: parts.heartbeatMs } : {}), ...(demo ? { demo } : {}) });
      plan.add('http', () => app.close());
      // Before the app: live feeds end with their notifier, so closing the app waits on none.
      plan.add('feed', () => notifier.close());
      const address = listen ? await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT }) : undefined;
      return { app, notifier, address };
    },
  };
}
