import { inject } from 'vitest';
import { createDatabaseSlice } from '@backstop/testkit';

/** A private, migrated database for tests that need Postgres only. */
export function createIsolatedDatabase() {
  return createDatabaseSlice(inject('databaseUrl'), 'test');
}
