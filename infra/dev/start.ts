/**
 * `npm start`: the whole system on this machine, in the foreground until Ctrl-C. Starts a
 * Kafka broker unless one is reachable, prepares Postgres and the topics, seeds the demo
 * tenant, runs every service, and prints where to reach them.
 */
import { loadConfig, commonEnv } from '@backstop/config';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { z } from 'zod';
import { defaultBrokerOptions, isPortOpen, startBroker, type RunningBroker } from '../kafka/broker';
import { bootstrap } from './bootstrap';
import { curlExample } from './curl-example';
import { seedDemoTenant } from './demo-tenant';
import { SERVICES, startServiceProcess, type ServiceProcess } from './service-process';
import { createKafka, waitForCoordinators } from '@backstop/kafka';

const config = loadConfig(z.object({
  ...commonEnv,
  INGEST_PORT: z.coerce.number().int().default(8080),
  CONSOLE_PORT: z.coerce.number().int().default(8081),
}));
const logger = createLogger('start', config.LOG_LEVEL);
const startedAt = Date.now();

let broker: RunningBroker | undefined;
const services: ServiceProcess[] = [];

/**
 * The services and the broker run in process groups of their own, so Ctrl-C reaches only this
 * process: it stops the services first, while the broker can still take their last commits,
 * and the broker last.
 */
let stopping = false;
async function shutdown(code: number): Promise<void> {
  // npm and tsx pass a Ctrl-C on as well, so one key press can arrive two or three times.
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping Backstop...\n');
  await Promise.all(services.map((service) => service.stop('SIGTERM')));
  if (broker) {
    process.stdout.write('Services stopped; stopping Kafka...\n');
    await broker.stop();
  }
  process.stdout.write('Stopped.\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Should this process end any other way, nothing it started may outlive it.
process.once('exit', () => {
  for (const service of services) if (service.child.exitCode === null) service.child.kill('SIGTERM');
  if (broker?.process.exitCode === null) broker.process.kill('SIGTERM');
});

try {
  const brokerOptions = defaultBrokerOptions();
  const brokersConfigured = Boolean(process.env.KAFKA_BROKERS);
  if (!brokersConfigured) {
    config.KAFKA_BROKERS = [`127.0.0.1:${brokerOptions.port}`];
    if (!(await isPortOpen(brokerOptions.port))) {
      process.stdout.write(`Starting Kafka on 127.0.0.1:${brokerOptions.port}...\n`);
      broker = await startBroker(brokerOptions, { ownProcessGroup: true });
    }
  }
  await bootstrap({ brokers: config.KAFKA_BROKERS, databaseUrl: config.DATABASE_URL, topicPrefix: config.KAFKA_TOPIC_PREFIX, logger });
  // A broker started a moment ago is still loading its coordinators: the services start after.
  await waitForCoordinators(createKafka(config.KAFKA_BROKERS, 'backstop-start', logger));

  const pool = createPool(config.DATABASE_URL, 'backstop-start', 2);
  const demo = await seedDemoTenant(pool);
  await pool.end();

  const env = {
    INGEST_PORT: String(config.INGEST_PORT),
    CONSOLE_PORT: String(config.CONSOLE_PORT),
    // The console's checkout demo pays as the demo tenant, through this ingest.
    CONSOLE_DEMO_TENANT: demo.tenantId,
    CONSOLE_DEMO_INGEST_URL: `http://127.0.0.1:${config.INGEST_PORT}`,
    KAFKA_BROKERS: config.KAFKA_BROKERS.join(','),
    ...(process.stdout.isTTY ? { FORCE_PRETTY_LOGS: '1' } : {}),
  };
  for (const name of SERVICES) {
    services.push(startServiceProcess(name, env, (line) => process.stdout.write(`[${name}] ${line}\n`), { ownProcessGroup: true }));
  }
  await Promise.all(services.map((service) => service.ready));

  const addressOf = (name: string) => services.find((service) => service.name === name)?.address ?? '';
  const ingestUrl = addressOf('ingest');
  const consoleUrl = addressOf('console');
  process.stdout.write([
    '',
    `Backstop is up (${((Date.now() - startedAt) / 1000).toFixed(1)} s). Ctrl-C stops everything.`,
    '',
    `  Ingest (webhooks)   ${ingestUrl}/v1/webhooks/payments   health ${ingestUrl}/healthz   metrics ${ingestUrl}/metrics`,
    `  API docs (OpenAPI)  ${ingestUrl}/docs`,
    `  Console             ${consoleUrl}/   refunds API ${consoleUrl}/v1/refunds`,
    `  Checkout demo       ${consoleUrl}/demo/checkout   (a pre-payment check before each payment)`,
    `  Kafka               ${config.KAFKA_BROKERS.join(',')}${broker ? ' (started by npm start)' : ''}`,
    `  Postgres            ${config.DATABASE_URL}`,
    `  Redis               ${config.REDIS_URL}`,
    '',
    `  Demo tenant         ${demo.tenantId}   (send it as the x-tenant-id header)`,
    `  Webhook secret      ${demo.webhookSecret}`,
    `  API key (ops)       ${demo.apiKeys.ops}`,
    `  API key (finance)   ${demo.apiKeys.finance}`,
    `  API key (admin)     ${demo.apiKeys.admin}`,
    `  API key (platform)  ${demo.apiKeys.platform}`,
    '',
    'Post a signed example payment (run it twice with the same orderId to see a duplicate caught):',
    '',
    curlExample(ingestUrl, demo.tenantId, demo.webhookSecret),
    '',
    'Then list refund decisions:',
    `  curl -sS ${consoleUrl}/v1/refunds -H 'authorization: Bearer ${demo.apiKeys.finance}'`,
    '',
    'Or play a whole card platform, mistakes included, and watch the console:',
    `  BACKSTOP_WEBHOOK_SECRET='${demo.webhookSecret}' npm run simulate -- --url ${ingestUrl} --tenant ${demo.tenantId} --rate 20 --duration 60`,
    '',
  ].join('\n') + '\n');
} catch (error) {
  logger.error({ err: error }, 'start-up failed');
  await shutdown(1);
}
