/**
 * `npm run cluster`: Backstop on a 3-broker Kafka cluster and a 3+3 Redis Cluster with 2
 * ingest, 3 detector, 2 refund-worker and 1 console processes, all on this machine, until
 * Ctrl-C. Uses its own database (`backstop_cluster` on the local Postgres) so it never mixes
 * with `npm start`.
 */
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { seedDemoTenant } from '../dev/demo-tenant';
import { Topology } from './topology';

const databaseUrl = process.env.CLUSTER_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/backstop_cluster';
const logger = createLogger('cluster', process.env.LOG_LEVEL ?? 'info');
const verbose = process.argv.includes('--logs');
const startedAt = Date.now();

process.stdout.write('Starting a 3-broker Kafka cluster and a Redis Cluster (3 masters, 3 replicas)...\n');
let topology: Topology | undefined;
let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.stdout.write('\nStopping services, then the clusters...\n');
  await topology?.stop();
  process.stdout.write('Stopped.\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  topology = await Topology.start({
    databaseUrl,
    logger,
    ownProcessGroups: true,
    onLine: (instance, line) => {
      if (verbose) process.stdout.write(`[${instance}] ${line}\n`);
    },
  });
  const pool = createPool(databaseUrl, 'backstop-cluster', 2);
  const demo = await seedDemoTenant(pool);
  await pool.end();
  const rows = topology.services.map(({ instance, process: service }) => `  ${instance.padEnd(16)} pid ${String(service.child.pid).padEnd(8)} ${service.address ?? ''}`);
  process.stdout.write([
    '',
    `Backstop cluster is up (${((Date.now() - startedAt) / 1000).toFixed(0)} s). Ctrl-C stops everything.`,
    '',
    `  Kafka     ${topology.kafka.brokers.join(',')}   (KRaft, 3 nodes; events 12 partitions, replication 3, min.insync.replicas 2)`,
    `  Redis     ${topology.redis.url}`,
    `  Postgres  ${databaseUrl}`,
    '',
    ...rows,
    '',
    `  Demo tenant ${demo.tenantId}, webhook secret ${demo.webhookSecret}, ops key ${demo.apiKeys.ops}`,
    '',
    'Send traffic to either ingest:',
    `  BACKSTOP_WEBHOOK_SECRET='${demo.webhookSecret}' npm run simulate -- --url ${topology.instancesOf('ingest')[0]?.address} --tenant ${demo.tenantId} --rate 50 --duration 60`,
    verbose ? '' : '(npm run cluster -- --logs prints every service line)',
    '',
  ].join('\n') + '\n');
} catch (error) {
  logger.error({ err: error }, 'cluster start-up failed');
  await shutdown(1);
}
