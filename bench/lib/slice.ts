import { randomBytes } from 'node:crypto';
import { createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createPool, dropDatabase, withDatabase, type Pool } from '@backstop/postgres';
import { createRedis, type Redis } from '@backstop/redis';
import { createTenant } from '@backstop/tenancy';
import type { Kafka } from 'kafkajs';
import { bootstrap } from '../../infra/dev/bootstrap';
import { backstopTopics } from '../../infra/kafka/topics';

export interface Endpoints {
  brokers: string[];
  /** A server URL; each slice gets its own database on it. */
  postgresUrl: string;
  redisUrl: string;
}

/**
 * A throwaway slice of the shared Kafka, Redis and Postgres: its own database, topic prefix
 * and Redis key prefix, with one tenant. `drop` removes everything the slice wrote and nothing
 * else (keys are deleted by prefix, never flushed).
 */
export interface Slice {
  id: string;
  brokers: string[];
  databaseUrl: string;
  topicPrefix: string;
  redisPrefix: string;
  redisUrl: string;
  tenantId: string;
  webhookSecret: string;
  pool: Pool;
  redis: Redis;
  kafka: Kafka;
  /** The environment a service process needs to live in this slice. */
  serviceEnv: Record<string, string>;
  drop(): Promise<void>;
}

export const benchLogger = createLogger('bench', 'warn');

export async function createSlice(endpoints: Endpoints, name: string): Promise<Slice> {
  const id = `bench${name}${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(endpoints.postgresUrl, `backstop_${id}`);
  const topicPrefix = `${id}.`;
  await bootstrap({ brokers: endpoints.brokers, databaseUrl, topicPrefix, logger: benchLogger });
  const pool = createPool(databaseUrl, `backstop-${id}`, 4);
  const { tenantId, webhookSecret } = await createTenant(pool, { tenantId: 'bench', name: 'Benchmark platform' });
  const redis = createRedis(endpoints.redisUrl, `backstop-${id}`);
  const kafka = createKafka(endpoints.brokers, `backstop-${id}`, benchLogger);
  return {
    id,
    brokers: endpoints.brokers,
    databaseUrl,
    topicPrefix,
    redisPrefix: id,
    redisUrl: endpoints.redisUrl,
    tenantId,
    webhookSecret,
    pool,
    redis,
    kafka,
    serviceEnv: {
      KAFKA_BROKERS: endpoints.brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      REDIS_URL: endpoints.redisUrl,
      REDIS_KEY_PREFIX: id,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
    },
    async drop() {
      await pool.end();
      await dropDatabase(databaseUrl);
      await forEachKey(redis, `${id}:*`, async (keys) => { await redis.unlink(...keys); });
      await redis.quit();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: backstopTopics(topicPrefix).map((topic) => topic.topic) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** Visits every key matching a pattern, a page at a time (SCAN, never KEYS). */
export async function forEachKey(redis: Redis, pattern: string, visit: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await visit(keys);
  } while (cursor !== '0');
}
