import { topicName } from '@backstop/contracts';
import { loadConfig } from '@backstop/config';
import { createIdempotentProducer } from '@backstop/kafka';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger, logConfiguration } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { WebhookSecretCache } from '@backstop/tenancy';
import { buildApp } from './app';
import { IngestConfig } from './config';
import { createIngestKafka } from './kafka-client';
import { DeliveryMemory } from './delivery-memory';
import { EventPublisher } from './event-publisher';
import { createIngestMetrics } from './metrics';
import { TenantRateLimit } from './rate-limit';
import { createIngestRedis } from './redis-client';
import { startSourceConsumer } from './source/source-consumer';

const config = loadConfig(IngestConfig);
const logger = createLogger('ingest', config.LOG_LEVEL);
logConfiguration(logger, config);

const pool = createPool(config.DATABASE_URL, 'backstop-ingest');
const redis = createIngestRedis(config.REDIS_URL, 'backstop-ingest', (error) => logger.warn({ err: error.message }, 'redis unavailable'));
const kafka = createIngestKafka(config.KAFKA_BROKERS, 'backstop-ingest', logger);
const producer = createIdempotentProducer(kafka);
await producer.connect();
const admin = kafka.admin();
await admin.connect();

const publisher = new EventPublisher(producer, topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX), config.INGEST_LINGER_MS);
const secrets = new WebhookSecretCache(pool);
const memory = new DeliveryMemory(redis, {
  keyPrefix: config.REDIS_KEY_PREFIX,
  windowSeconds: config.INGEST_DEDUPE_WINDOW_S,
  shards: config.INGEST_DEDUPE_SHARDS,
});
const metrics = createIngestMetrics();
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
  secretsFor: (tenantId) => secrets.secretsFor(tenantId),
  checkReady: async () => {
    await redis.ping();
    await admin.describeCluster();
  },
  bodyLimit: config.INGEST_BODY_LIMIT,
  signatureToleranceSeconds: config.INGEST_SIGNATURE_TOLERANCE_S,
  maxEventAgeSeconds: config.INGEST_MAX_EVENT_AGE_S,
});

const sourceConsumer =
  config.INGEST_SOURCES.length > 0
    ? await startSourceConsumer({
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
      })
    : undefined;
if (sourceConsumer) logger.info({ topics: config.INGEST_SOURCES.map((source) => source.topic) }, 'consuming platform topics');

const address = await app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT });
logger.info({ address }, 'ingest listening');

stopOnSignals(logger, [
  ['http', () => app.close()],
  ['platform topics', async () => { await sourceConsumer?.disconnect(); }],
  ['publisher', () => publisher.drain()],
  ['kafka', async () => { await producer.disconnect(); await admin.disconnect(); }],
  ['redis', () => redis.quit()],
  ['postgres', () => pool.end()],
], config.SHUTDOWN_TIMEOUT_MS);
