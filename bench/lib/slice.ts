import { createLogger } from '@backstop/logging';
import { createTenant } from '@backstop/tenancy';
import { createSlice as createKitSlice, type Endpoints, type Slice as KitSlice } from '@backstop/testkit';

export { forEachKey, type Endpoints } from '@backstop/testkit';

/** The test kit's slice with one tenant, as every stage needs one. `drop` removes it all. */
export interface Slice extends KitSlice {
  tenantId: string;
  webhookSecret: string;
  /** The environment a service process needs to live in this slice. */
  serviceEnv: Record<string, string>;
  drop(): Promise<void>;
}

export const benchLogger = createLogger('bench', 'warn');

/** The local engines, unless the environment names others. */
export function endpointsFromEnv(): Endpoints {
  return {
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((broker) => broker.trim()),
    postgresUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}

export async function createSlice(endpoints: Endpoints, name: string): Promise<Slice> {
  const slice = await createKitSlice(endpoints, { name: `bench${name}`, logger: benchLogger });
  const { tenantId, webhookSecret } = await createTenant(slice.pool, { tenantId: 'bench', name: 'Benchmark platform' });
  return { ...slice, tenantId, webhookSecret, serviceEnv: slice.env, drop: () => slice.close() };
}
