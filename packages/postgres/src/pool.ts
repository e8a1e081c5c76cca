import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// bigint columns hold money in minor units; every amount Backstop handles is a safe integer.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new RangeError(`bigint ${value} exceeds the safe integer range`);
  return parsed;
});

export function createPool(connectionString: string, applicationName: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, application_name: applicationName, max, connectionTimeoutMillis: 10_000 });
  // An idle connection the server (or the network) dropped is emitted here; unhandled, it
  // would kill the process. The pool discards that client, and the next query that needs the
  // database gets its own error, which the caller retries or reports.
  pool.on('error', () => undefined);
  return pool;
}

/** Runs `work` in one transaction, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection lost while checked out is emitted on the client, where nobody listens
  // between queries; unhandled, it kills the process. The pending or next query fails
  // instead, and the broken client is handed back to be destroyed, not reused.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (!lost) await client.query('ROLLBACK').catch(() => undefined);
    lost ??= error instanceof Error && /terminated|ECONNRESET|ECONNREFUSED/.test(error.message) ? error : undefined;
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
