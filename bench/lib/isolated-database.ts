import { randomBytes } from 'node:crypto';
import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase, type Pool } from '@backstop/postgres';

/** A throwaway, migrated database for a benchmark run. */
export async function benchDatabase(name: string): Promise<{ databaseUrl: string; pool: Pool; drop: () => Promise<void> }> {
  const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const databaseUrl = withDatabase(server, `backstop_bench_${name}_${randomBytes(3).toString('hex')}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, `backstop-bench-${name}`, 4);
  return { databaseUrl, pool, async drop() { await pool.end(); await dropDatabase(databaseUrl); } };
}
