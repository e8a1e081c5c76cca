import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPool, dropDatabase, ensureDatabase, migrate, withDatabase, type Pool } from '@backstop/postgres';

/** A private, migrated database for tests that need Postgres only. */
export async function createIsolatedDatabase(): Promise<{ databaseUrl: string; pool: Pool; close: () => Promise<void> }> {
  const databaseUrl = withDatabase(inject('databaseUrl'), `backstop_test_${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, 'backstop-test', 4);
  return {
    databaseUrl,
    pool,
    async close() {
      await pool.end();
      await dropDatabase(databaseUrl);
    },
  };
}
