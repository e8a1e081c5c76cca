import { commonEnv, loadConfig } from '@backstop/config';
import { createTenant } from '@backstop/tenancy';
import { createSlice } from '@backstop/testkit';
import { z } from 'zod';
import { startServiceProcess } from '../../infra/dev/service-process';
import { benchLogger } from '../lib/slice';

export interface IsolatedIngest {
  url: string;
  tenantId: string;
  secret: string;
  /** The ingest process's pid, for its CPU time. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * A real ingest process in a throwaway slice of the local Kafka, Redis and Postgres (the test
 * kit's slice), with one tenant; `stop` removes all of it.
 */
export async function startIsolatedIngest(env: Record<string, string> = {}): Promise<IsolatedIngest> {
  const config = loadConfig(z.object(commonEnv));
  const slice = await createSlice({ brokers: config.KAFKA_BROKERS, postgresUrl: config.DATABASE_URL, redisUrl: config.REDIS_URL }, { name: 'bench', logger: benchLogger });
  const { webhookSecret } = await createTenant(slice.pool, { tenantId: 'bench', name: 'Load test platform' });
  const ingest = startServiceProcess('ingest', {
    ...slice.env,
    INGEST_PORT: '0',
    INGEST_RATE_PER_S: '1000000',
    INGEST_RATE_BURST: '1000000',
    ...env,
  });
  await ingest.ready;
  if (!ingest.address) throw new Error('ingest did not report its address');
  return {
    url: ingest.address,
    tenantId: 'bench',
    secret: webhookSecret,
    pid: ingest.child.pid,
    async stop() {
      await ingest.stop('SIGTERM');
      await slice.close();
    },
  };
}
