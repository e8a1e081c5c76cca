import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createPool, dropDatabase, withDatabase, type Pool } from '@backstop/postgres';
import { createRedis, type Redis } from '@backstop/redis';
import type { Kafka } from 'kafkajs';
import type { TopicRole } from '@backstop/contracts';
import { bootstrap } from '../../infra/dev/bootstrap';
import { backstopTopics } from '../../infra/kafka/topics';

/**
 * One test file's private slice of the real services: its own database, topic prefix,
 * consumer groups and Redis key prefix, so files run side by side without touching each
 * other or the demo's data. `close` removes all of it.
 */
export interface IsolatedStack {
  id: string;
  brokers: string[];
  databaseUrl: string;
  redisUrl: string;
  topicPrefix: string;
  redisPrefix: string;
  /** Environment for a service process that should live in this stack. */
  env: Record<string, string>;
  pool: Pool;
  redis: Redis;
  kafka: Kafka;
  close(): Promise<void>;
}

export async function createIsolatedStack(partitions: Partial<Record<TopicRole, number>> = { paymentEvents: 3, flags: 2 }): Promise<IsolatedStack> {
  const id = `t${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const brokers = inject('kafkaBrokers');
  const redisUrl = inject('redisUrl');
  const databaseUrl = withDatabase(inject('databaseUrl'), `backstop_test_${id}`);
  const topicPrefix = `${id}.`;
  const redisPrefix = `test-${id}`;
  const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');
  await bootstrap({ brokers, databaseUrl, topicPrefix, partitions, logger });
  const pool = createPool(databaseUrl, 'backstop-test', 4);
  const redis = createRedis(redisUrl, 'backstop-test');
  const kafka = createKafka(brokers, `test-${id}`, logger);
  return {
    id, brokers, databaseUrl, redisUrl, topicPrefix, redisPrefix, pool, redis, kafka,
    env: {
      KAFKA_BROKERS: brokers.join(','),
      KAFKA_TOPIC_PREFIX: topicPrefix,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: redisPrefix,
      DATABASE_URL: databaseUrl,
      INGEST_PORT: '0',
      CONSOLE_PORT: '0',
      DETECTOR_METRICS_PORT: '0',
      REFUND_WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
    },
    async close() {
      await pool.end();
      await dropDatabase(databaseUrl);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
      const admin = kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: backstopTopics(topicPrefix).map((t) => t.topic) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
