import { randomBytes } from 'node:crypto';
import { commonEnv, loadConfig } from '@backstop/config';
import { createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createPool, dropDatabase, withDatabase } from '@backstop/postgres';
import { createRedis } from '@backstop/redis';
import { createTenant } from '@backstop/tenancy';
import { z } from 'zod';
import { bootstrap } from '../../infra/dev/bootstrap';
import { startServiceProcess } from '../../infra/dev/service-process';
import { backstopTopics } from '../../infra/kafka/topics';

export interface IsolatedIngest {
  url: string;
  tenantId: string;
  secret: string;
  stop(): Promise<void>;
}

/**
 * A real ingest process in a throwaway slice of the local Kafka, Redis and Postgres (its own
 * database, topic prefix and key prefix), with one tenant; `stop` removes all of it.
 */
export async function startIsolatedIngest(env: Record<string, string> = {}): Promise<IsolatedIngest> {
  const config = loadConfig(z.object(commonEnv));
  const id = `bench${randomBytes(3).toString('hex')}`;
  const databaseUrl = withDatabase(config.DATABASE_URL, `backstop_${id}`);
  const topicPrefix = `${id}.`;
  const redisPrefix = `${id}`;
  const logger = createLogger('bench', 'warn');
  await bootstrap({ brokers: config.KAFKA_BROKERS, databaseUrl, topicPrefix, logger });
  const pool = createPool(databaseUrl, 'bench', 2);
  const { webhookSecret } = await createTenant(pool, { tenantId: 'bench', name: 'Load test platform' });
  await pool.end();
  const ingest = startServiceProcess('ingest', {
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
    REDIS_URL: config.REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    DATABASE_URL: databaseUrl,
    INGEST_PORT: '0',
    LOG_LEVEL: 'info',
    INGEST_RATE_PER_S: '1000000',
    INGEST_RATE_BURST: '1000000',
    ...env,
  });
  await ingest.ready;
  if (!ingest.address) throw new Error('ingest did not report its address');
  return {
    url: ingest.address,
    tenantId: 'bench',
    secret: webhookSecret,
    async stop() {
      await ingest.stop('SIGTERM');
      await dropDatabase(databaseUrl);
      const redis = createRedis(config.REDIS_URL, 'bench-cleanup');
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
      await redis.quit();
      const admin = createKafka(config.KAFKA_BROKERS, 'bench-cleanup', logger).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: backstopTopics(topicPrefix).map((topic) => topic.topic) }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
