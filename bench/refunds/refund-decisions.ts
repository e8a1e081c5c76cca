/**
 * Decisions per second into Postgres: feeds generated flags through the worker's batch write
 * (flags, decisions, audit chain, budget, outbox) in consumer-sized batches, one transaction
 * each, and prints the rate.
 *
 *   npm run bench:refunds -- [flags=20000] [batch=500]
 */
import { randomUUID } from 'node:crypto';
import { inTransaction } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { recordFlags } from '../../services/refund-worker/src/store/record-flags';
import { buildFlag } from '../../test/support/flags';
import { benchDatabase } from '../lib/isolated-database';

const total = Number(process.argv[2] ?? 20_000);
const batchSize = Number(process.argv[3] ?? 500);
const database = await benchDatabase('decisions');
try {
  const tenants = ['bench-a', 'bench-b', 'bench-c', 'bench-d'];
  for (const tenantId of tenants) await createTenant(database.pool, { tenantId, name: tenantId });
  const types = ['duplicate.exact', 'amount.outlier', 'product.misselected', 'duplicate.suspected'] as const;
  const flags = Array.from({ length: total }, (_, i) => buildFlag(tenants[i % tenants.length]!, {
    type: types[i % types.length], payment: { payerId: `u_${randomUUID().slice(0, 8)}`, amount: 100 + (i % 9_000) },
  }));
  // Warm-up: plans, caches, the first chain heads.
  await inTransaction(database.pool, (client) => recordFlags(client, flags.splice(0, batchSize), new Date()));
  const started = process.hrtime.bigint();
  let decisions = 0;
  for (let i = 0; i < flags.length; i += batchSize) {
    const outcome = await inTransaction(database.pool, (client) => recordFlags(client, flags.slice(i, i + batchSize), new Date()));
    decisions += outcome.decisionsInserted;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`decisions written: ${decisions} in ${seconds.toFixed(2)} s with batches of ${batchSize}`);
  console.log(`decisions per second into Postgres: ${Math.round(decisions / seconds)}`);
} finally {
  await database.drop();
}
