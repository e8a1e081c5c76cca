import { inject } from 'vitest';
import type { TopicRole } from '@backstop/contracts';
import { createLogger } from '@backstop/logging';
import { createSlice, type Slice } from '@backstop/testkit';

/**
 * One test file's private slice of the real services (the test kit's `createSlice` on the
 * engines the global setup found), with service ports left to the system so files run side
 * by side. `close` removes all of it.
 */
export type IsolatedStack = Slice;

export async function createIsolatedStack(partitions: Partial<Record<TopicRole, number>> = { paymentEvents: 3, flags: 2 }): Promise<IsolatedStack> {
  const slice = await createSlice(
    { brokers: inject('kafkaBrokers'), postgresUrl: inject('databaseUrl'), redisUrl: inject('redisUrl') },
    { name: 't', partitions, logger: createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn') },
  );
  return {
    ...slice,
    env: { ...slice.env, INGEST_PORT: '0', CONSOLE_PORT: '0', DETECTOR_METRICS_PORT: '0', REFUND_WORKER_METRICS_PORT: '0' },
  };
}
