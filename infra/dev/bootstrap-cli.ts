/**
 * `tsx infra/dev/bootstrap-cli.ts`: migrations, topics and the demo tenant, then exit.
 * docker-compose runs it once before the services; it prints the demo credentials.
 */
import { checkKafkaSecurity, commonEnv, loadConfig } from '@backstop/config';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { z } from 'zod';
import { bootstrap } from './bootstrap';
import { seedDemoTenant } from './demo-tenant';
import { createKafka, kafkaSecurity, waitForCoordinators } from '@backstop/kafka';

const config = loadConfig(z.object(commonEnv).superRefine(checkKafkaSecurity));
const security = kafkaSecurity(config);
const logger = createLogger('bootstrap', config.LOG_LEVEL);
await bootstrap({ brokers: config.KAFKA_BROKERS, databaseUrl: config.DATABASE_URL, topicPrefix: config.KAFKA_TOPIC_PREFIX, security, logger });
// The services start after this exits: the coordinators they join must be loaded by then.
await waitForCoordinators(createKafka(config.KAFKA_BROKERS, 'backstop-bootstrap', logger, { security }));
const pool = createPool(config.DATABASE_URL, 'backstop-bootstrap', 1);
const demo = await seedDemoTenant(pool);
await pool.end();
process.stdout.write(`demo tenant ${demo.tenantId}\nwebhook secret ${demo.webhookSecret}\n` +
  Object.entries(demo.apiKeys).map(([role, key]) => `api key (${role}) ${key}`).join('\n') + '\n');
