/**
 * Decisions per second through a real refund-worker process: flags are put on Kafka first,
 * then the worker starts and drains them (decisions, audit chain, outbox relay to Kafka);
 * prints the rate from its start to the last decision.
 *
 *   npm run bench:refund-pipeline -- [flags=20000]
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { topicName } from '@backstop/contracts';
import { createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createPool, dropDatabase, withDatabase } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { buildFlag } from '../../test/support/flags';
import { bootstrap } from '../../infra/dev/bootstrap';
import { startServiceProcess } from '../../infra/dev/service-process';
import { backstopTopics } from '../../infra/kafka/topics';

const total = Number(process.argv[2] ?? 20_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const id = `bench${randomBytes(3).toString('hex')}`;
const databaseUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', `backstop_bench_${id}`);
const topicPrefix = `${id}.`;
const logger = createLogger('bench', 'warn');
await bootstrap({ brokers, databaseUrl, topicPrefix, logger });
const pool = createPool(databaseUrl, 'backstop-bench', 2);
const kafka = createKafka(brokers, 'backstop-bench', logger);
try {
  const tenants = ['bench-a', 'bench-b', 'bench-c', 'bench-d'];
  for (const tenantId of tenants) await createTenant(pool, { tenantId, name: tenantId });
  const producer = kafka.producer();
  await producer.connect();
  const types = ['duplicate.exact', 'amount.outlier', 'product.misselected', 'duplicate.suspected'] as const;
  for (let i = 0; i < total; i += 1_000) {
    const flags = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => buildFlag(tenants[(i + j) % tenants.length]!, {
      type: types[(i + j) % types.length], payment: { payerId: `u_${randomUUID().slice(0, 8)}`, amount: 100 + ((i + j) % 9_000) },
    }));
    await producer.send({ topic: topicName('flags', topicPrefix), messages: flags.map((f) => ({ key: `${f.tenantId}:${f.payment.payerId}`, value: JSON.stringify(f) })) });
  }
  await producer.disconnect();

  const worker = startServiceProcess('refund-worker', { KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: topicPrefix, DATABASE_URL: databaseUrl, LOG_LEVEL: 'info' });
  await worker.ready;
  const started = process.hrtime.bigint();
  let decided = 0;
  while (decided < total) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    decided = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM refund_decisions')).rows[0]!.n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.stop('SIGTERM');
  console.log(`decisions through the worker process: ${decided} in ${seconds.toFixed(2)} s (from ready to the last decision)`);
  console.log(`decisions per second, Kafka → worker → Postgres: ${Math.round(decided / seconds)}`);
} finally {
  await pool.end();
  await dropDatabase(databaseUrl);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: backstopTopics(topicPrefix).map((t) => t.topic) }).catch(() => undefined);
  await admin.disconnect();
}
