import type { FastifyInstance } from 'fastify';
import { createKafka, kafkaSecurity } from '@backstop/kafka';
import { ShutdownPlan, type ShutdownStep } from '@backstop/lifecycle';
import { createLogger, type Logger } from '@backstop/logging';
import { createPool, type Pool } from '@backstop/postgres';
import { createRedis } from '@backstop/redis';
import { buildApp } from './app';
import { BacktestJobs } from './backtests/jobs';
import type { ConsoleConfig } from './config';
import { FlagNotifier } from './flags/flag-notifier';
import { createConsoleMetrics } from './metrics';
import { startNotificationRelay, type NotificationRelayOptions } from './notifications/notification-relay';

/** What a caller may hand in instead of what the configuration names; it closes those itself. */
export interface ConsoleParts {
  logger?: Logger;
  pool?: Pool;
  /** Live-feed heartbeat; tests shorten it. */
  heartbeatMs?: number;
  /** flag.decided delivery timing; tests shorten it. */
  notificationTiming?: Pick<NotificationRelayOptions, 'pollMs' | 'retryBaseMs' | 'retryCapMs' | 'timeoutMs'>;
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
      const metrics = createConsoleMetrics();
      // Backtests read the events topic and keep their shadow state in Redis.
      const redis = createRedis(config.REDIS_URL, 'backstop-console-backtests');
      plan.add('redis', () => redis.quit().then(() => undefined));
      const backtests = new BacktestJobs(
        { kafka: createKafka(config.KAFKA_BROKERS, 'backstop-console', logger, { security: kafkaSecurity(config) }), redis, pool, topicPrefix: config.KAFKA_TOPIC_PREFIX, stateSettings: config },
        logger,
      );
      const demo = config.CONSOLE_DEMO_TENANT ? { tenantId: config.CONSOLE_DEMO_TENANT, ingestUrl: config.CONSOLE_DEMO_INGEST_URL } : undefined;
      const app = await buildApp({ logger, pool, notifier, metrics, backtests, publicUrl: config.CONSOLE_PUBLIC_URL, pdfFont: config.CONSOLE_PDF_FONT, ...(parts.heartbeatMs !== undefined ? { heartbeatMs: parts.heartbeatMs } : {}), ...(demo ? { demo } : {}) });
      plan.add('http', () => app.close());
      // Before Redis and Postgres: a cancelled job removes its shadow state on the way down.
      plan.add('backtests', () => backtests.cancelAll());
      // Before the app: live feeds end with their notifier, so closing the app waits on none.
      plan.add('feed', () => notifier.close());
      const address = listen ? await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT }) : undefined;
      // The platform's flag.decided events carry links to this console, so they start once it answers.
      if (address) {
        const relay = startNotificationRelay({
          pool, logger, publicUrl: config.CONSOLE_PUBLIC_URL ?? address, ...parts.notificationTiming,
          counted: { delivered: () => metrics.notifications.inc({ outcome: 'delivered' }), failed: () => metrics.notifications.inc({ outcome: 'failed' }), gaveUp: () => metrics.notifications.inc({ outcome: 'gave_up' }) },
        });
        plan.add('notifications', () => relay.stop());
      }
      return { app, notifier, address };
    },
  };
}
