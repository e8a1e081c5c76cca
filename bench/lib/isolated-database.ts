import { createDatabaseSlice } from '@backstop/testkit';

/** A throwaway, migrated database for a benchmark run. */
export async function benchDatabase(name: string) {
  const database = await createDatabaseSlice(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres', `bench_${name}`);
  return { databaseUrl: database.databaseUrl, pool: database.pool, drop: () => database.close() };
}
