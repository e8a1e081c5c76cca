/**
 * Decisions per second through a real refund-worker process: flags are put on Kafka first,
 * then the worker starts and drains them (decisions, audit chain, outbox relay to Kafka);
 * prints the rate from its start to the last decision.
 *
 *   npm run bench:refund-pipeline -- [flags=20000]
 */
import { randomUUID } from 'node:crypto';
import { topicName } from '@backstop/contracts';
import { createTenant } from '@backstop/tenancy';
import { publishFlags } from '@backstop/testkit';
import { buildFlag } from '../../test/support/flags';
import { startServiceProcess } from '../../infra/dev/service-process';
import { createSlice, endpointsFromEnv } from '../lib/slice';

const total = Number(process.argv[2] ?? 20_000);
const slice = await createSlice(endpointsFromEnv(), 'pipeline');
try {
  const tenants = ['bench-a', 'bench-b', 'bench-c', 'bench-d'];
  for (const tenantId of tenants) await createTenant(slice.pool, { tenantId, name: tenantId });
  const producer = slice.kafka.producer();
  await producer.connect();
  const types = ['duplicate.exact', 'amount.outlier', 'product.misselected', 'duplicate.suspected'] as const;
  for (let i = 0; i < total; i += 1_000) {
    const flags = Array.from({ length: Math.min(1_000, total - i) }, (_, j) => buildFlag(tenants[(i + j) % tenants.length]!, {
      type: types[(i + j) % types.length], payment: { payerId: `u_${randomUUID().slice(0, 8)}`, amount: 100 + ((i + j) % 9_000) },
    }));
    await publishFlags(producer, topicName('flags', slice.topicPrefix), flags);
  }
  await producer.disconnect();

  const worker = startServiceProcess('refund-worker', slice.serviceEnv);
  await worker.ready;
  const started = process.hrtime.bigint();
  let decided = 0;
  while (decided < total) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    decided = (await slice.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM refund_decisions')).rows[0]!.n;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await worker.stop('SIGTERM');
  console.log(`decisions through the worker process: ${decided} in ${seconds.toFixed(2)} s (from ready to the last decision)`);
  console.log(`decisions per second, Kafka → worker → Postgres: ${Math.round(decided / seconds)}`);
} finally {
  await slice.drop();
}
