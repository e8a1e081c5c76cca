import type { FastifyInstance } from 'fastify';
import { topicName } from '@backstop/contracts';
import { ConsumerHealth, createIdempotentProducer, kafkaSecurity } from '@backstop/kafka';
import { ShutdownPlan, type ShutdownStep } from '@backstop/lifecycle';
import { createLogger, type Logger } from '@backstop/logging';
import { registerConsumerRunning } from '@backstop/metrics';
import { createPool, type Pool } from '@backstop/postgres';
import { activeWebhookSecrets, WebhookSecretCache } from '@backstop/tenancy';
import { createPaymentCheck, DatabaseRulesConfig, WarningLog } from '@backstop/detection';
import { buildApp } from './app';
import type { IngestConfig } from './config';
import { DeliveryMemory } from './delivery-memory';
import { EventPublisher } from './event-publisher';
import { createIngestKafka } from './kafka-client';
import { createIngestMetrics, type IngestMetrics } from './metrics';
import { TenantRateLimit } from './rate-limit';
import { createIngestRedis } from './redis-client';
import { SOURCE_CONSUMER_NAME, startSourceConsumer } from './source/source-consumer';

/** What a caller may hand in instead of what the configuration names; it closes those itself. */
export interface IngestParts {
  logger?: Logger;
  pool?: Pool;
  /** A tenant's active webhook secrets, read afresh on every call; cached for a few seconds from Postgres by default. */
  secretsFor?: (tenantId: string) => Promise<string[]>;
}

export interface Ingest {
  readonly logger: Logger;
  readonly metrics: IngestMetrics;
  /**
   * Connects, builds the HTTP app and starts consuming the platform topics configured; with
   * `listen` (the default) it also takes requests on INGEST_HOST:INGEST_PORT. Tests drive the
   * app with `inject` instead.
   */
  start(options?: { listen?: boolean }): Promise<{ app: FastifyInstance; address?: string }>;
  /** Stop steps in the order they run, for `stopOnSignals`. */
  shutdownSteps(): ShutdownStep[];
  stop(): Promise<void>;
}

/** Ingest, wired once: `src/index.ts`, the tests' harness and the benches build it here. */
export function createIngest(config: IngestConfig, parts: IngestParts = {}): Ingest {
  const logger = parts.logger ?? createLogger('ingest', config.LOG_LEVEL);
  const metrics = createIngestMetrics();
  const consumers = new ConsumerHealth(logger);
  registerConsumerRunning(metrics.registry, consumers);
  const plan = new ShutdownPlan();
  return {
    logger,
    metrics,
    shutdownSteps: () => plan.ordered,
    stop: () => plan.run(),
    async start({ listen = true } = {}) {
      const pool = parts.pool ?? createPool(config.DATABASE_URL, 'backstop-ingest');
      if (!parts.pool) plan.add('postgres', () => pool.end());
      let secretsFor = parts.secretsFor;
      let secretsReadSince: ((tenantId: string, sinceMs: number) => Promise<string[]>) | undefined;
      if (!secretsFor) {
        const secrets = new WebhookSecretCache((tenantId) => activeWebhookSecrets(pool, tenantId));
        secretsFor = (tenantId) => secrets.secretsFor(tenantId);
        secretsReadSince = (tenantId, sinceMs) => secrets.secretsReadSince(tenantId, sinceMs);
      }
      const redis = createIngestRedis(config.REDIS_URL, 'backstop-ingest', (error) => logger.warn({ err: error.message }, 'redis unavailable'));
      plan.add('redis', () => redis.quit().catch(() => redis.disconnect()));
      const kafka = createIngestKafka(config.KAFKA_BROKERS, kafkaSecurity(config), 'backstop-ingest', logger);
      const producer = createIdempotentProducer(kafka, logger);
      await producer.connect();
      const admin = kafka.admin();
      await admin.connect();
      plan.add('kafka', async () => { await producer.disconnect(); await admin.disconnect(); });
      const memory = new DeliveryMemory(redis, {
        keyPrefix: config.REDIS_KEY_PREFIX,
        windowSeconds: config.INGEST_DEDUPE_WINDOW_S,
        shards: config.INGEST_DEDUPE_SHARDS,
      });
      // After the publisher drained: its last acknowledgements queue marks.
      plan.add('delivery marks', () => memory.settled());
      const publisher = new EventPublisher(producer, topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX), config.INGEST_LINGER_MS);
      plan.add('publisher', () => publisher.drain());
      const app = await buildApp({
        logger,
        memory,
        rateLimit: new TenantRateLimit(redis, {
          keyPrefix: config.REDIS_KEY_PREFIX,
          eventsPerSecond: config.INGEST_RATE_PER_S,
          burst: config.INGEST_RATE_BURST,
          overrides: config.INGEST_RATE_OVERRIDES,
        }),
        publisher,
        metrics,
        secretsFor,
        ...(secretsReadSince ? { secretsReadSince } : {}),
        checkReady: async () => {
          consumers.assertRunning();
          await redis.ping();
          await admin.describeCluster();
        },
        bodyLimit: config.INGEST_BODY_LIMIT,
        signatureToleranceSeconds: config.INGEST_SIGNATURE_TOLERANCE_S,
        maxEventAgeSeconds: config.INGEST_MAX_EVENT_AGE_S,
        paymentCheck: createPaymentCheck(redis, config, new DatabaseRulesConfig(pool, logger, config.INGEST_CHECK_RULES_CACHE_MS)),
        checkDeadlineMs: config.INGEST_CHECK_DEADLINE_MS,
        checkMaxInFlight: config.INGEST_CHECK_MAX_IN_FLIGHT,
        warnings: new WarningLog(redis, config.REDIS_KEY_PREFIX),
        warningTtlSeconds: config.INGEST_CHECK_WARNING_TTL_S,
      });

      if (config.INGEST_SOURCES.length > 0) {
        const sourceConsumer = await startSourceConsumer({
          kafka,
          producer,
          publisher,
          memory,
          metrics,
          logger,
          sources: config.INGEST_SOURCES,
          topicPrefix: config.KAFKA_TOPIC_PREFIX,
          groupId: `${config.KAFKA_TOPIC_PREFIX}${config.INGEST_SOURCE_GROUP_ID}`,
          maxEventAgeSeconds: config.INGEST_MAX_EVENT_AGE_S,
        });
        consumers.watch(SOURCE_CONSUMER_NAME, sourceConsumer);
        plan.add('platform topics', () => sourceConsumer.disconnect());
        logger.info({ topics: config.INGEST_SOURCES.map((source) => source.topic) }, 'consuming platform topics');
      }
      plan.add('http', () => app.close());
      const address = listen ? await app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT }) : undefined;
      return { app, address };
    },
  };
}
