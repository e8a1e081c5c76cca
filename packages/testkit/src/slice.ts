import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { TopicRole } from '@backstop/contracts';
import { createKafka } from '@backstop/kafka';
import { createLogger, type Logger } from '@backstop/logging';
import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase, type Pool } from '@backstop/postgres';
import { createRedis, deleteMatching, type Redis } from '@backstop/redis';
import { bootstrap } from '../../../infra/dev/bootstrap';
import { backstopTopics } from '../../../infra/kafka/topics';

/** Where the shared engines are; every slice takes a database, a topic prefix and a key prefix of them. */
export interface Endpoints {
  brokers: string[];
  /** A Postgres server URL; each slice gets its own database on it. */
  postgresUrl: string;
  redisUrl: string;
}

/**
 * A throwaway slice of the shared Kafka, Redis and Postgres: its own database, topic prefix,
 * consumer groups and Redis key prefix, so tests and benchmarks run side by side without
 * touching each other or the demo's data. `close` removes everything the slice wrote and
 * nothing else: keys are deleted by prefix, never flushed.
 */
export interface Slice {
  id: string;
  brokers: string[];
  databaseUrl: string;
  redisUrl: string;
  topicPrefix: string;
  redisPrefix: string;
  pool: Pool;
  redis: Redis;
  kafka: Kafka;
  /** The environment a service process needs to live in this slice. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface SliceOptions {
  /** Starts the slice's id, so its database and topics say whose they are. */
  name: string;
  partitions?: Partial<Record<TopicRole, number>>;
  logger?: Logger;
}

const uniqueId = (name: string) => `${name}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export async function createSlice(endpoints: Endpoints, { name, partitions, logger = createLogger('slice', 'warn') }: SliceOptions): Promise<Slice> {
  const id = uniqueId(name);
  const databaseUrl = withDatabase(endpoints.postgresUrl, `backstop_${id}`);
  const topicPrefix = `${id}.`;
  await bootstrap({ brokers: endpoints.brokers, databaseUrl, topicPrefix, logger, ...(partitions ? { partitions } : {}) });
  const pool = createPool(databaseUrl, `backstop-${id}`, 4);
  const redis = createRedis(endpoints.redisUrl, `backstop-${id}`);
  const kafka = createKafka(endpoints.brokers, `backstop-${id}`, logger);
  return {
    id, brokers: endpoints.brokers, databaseUrl, redisUrl: endpoints.redisUrl, topicPrefix, redisPrefix: id, pool, redis, kafka,
    env: {
      KAFKA_BROKERS: endpoints.brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      REDIS_URL: endpoints.redisUrl,
      REDIS_KEY_PREFIX: id,
      DATABASE_URL: databaseUrl,
      LOG_LEVEL: 'info',
    },
    async close() {
      await pool.end();
      await dropDatabase(databaseUrl);
      await deleteMatching(redis, `${id}:*`);
      await redis.quit();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: backstopTopics(topicPrefix).map((topic) => topic.topic) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}

/** A throwaway, migrated database alone, for what needs Postgres only. */
export async function createDatabaseSlice(postgresUrl: string, name: string): Promise<{ databaseUrl: string; pool: Pool; close(): Promise<void> }> {
  const databaseUrl = withDatabase(postgresUrl, `backstop_${uniqueId(name)}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, `backstop-${name}`, 4);
  return {
    databaseUrl,
    pool,
    async close() {
      await pool.end();
      await dropDatabase(databaseUrl);
    },
  };
}
