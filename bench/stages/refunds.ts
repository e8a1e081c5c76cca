/**
 * Stage 3: decisions per second through a real refund-worker process. The flags are on Kafka
 * first; the worker starts and drains them (policy, decision, audit chain, outbox), and the
 * rate runs from its first decision to its last, read from Postgres.
 */
import { randomUUID } from 'node:crypto';
import { topicName } from '@backstop/contracts';
import { startServiceProcess } from '../../infra/dev/service-process';
import { buildFlag } from '../../test/support/flags';
import { publishFlags } from '@backstop/testkit';
import { coresBetween, readCpu } from '../lib/cpu-sampler';
import { residentMiB } from '../lib/process-stats';
import { createSlice, type Endpoints } from '../lib/slice';

export interface RefundResult {
  flags: number;
  decisions: number;
  seconds: number;
  decisionsPerS: number;
  workerRssMiB: number | undefined;
  /** Cores used from the worker being ready until the last decision: the worker and the infrastructure. */
  cores: Record<string, number>;
}

export async function benchRefunds(endpoints: Endpoints, total: number, log: (line: string) => void): Promise<RefundResult> {
  const slice = await createSlice(endpoints, 'ref');
  try {
    const producer = slice.kafka.producer();
    await producer.connect();
    const types = ['duplicate.exact', 'amount.outlier', 'product.misselected', 'duplicate.suspected'] as const;
    for (let i = 0; i < total; i += 2_000) {
      const flags = Array.from({ length: Math.min(2_000, total - i) }, (_, j) => buildFlag(slice.tenantId, {
        type: types[(i + j) % types.length], payment: { payerId: `u_${randomUUID().slice(0, 8)}`, amount: 100 + ((i + j) % 9_000) },
      }));
      await publishFlags(producer, topicName('flags', slice.topicPrefix), flags);
    }
    await producer.disconnect();
    log(`  ${total} flags on ${topicName('flags', slice.topicPrefix)}`);

    const worker = startServiceProcess('refund-worker', { ...slice.serviceEnv, ...(process.env.BENCH_SERVICE_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SERVICE_NODE_OPTIONS } : {}) });
    await worker.ready;
    const cpuBefore = readCpu({ 'refund-worker': worker.child.pid });
    const readyAt = performance.now();
    const deadline = Date.now() + 600_000;
    let decided = 0;
    let seconds = 0;
    while (decided < total && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      // From the first decision (Postgres's clock) to the poll that saw the last one, so the
      // worker's start-up and group join are not counted; the poll adds at most 0.1 s.
      const progress = await slice.pool.query<{ n: number; seconds: number | null }>(
        'SELECT count(*)::int AS n, extract(epoch FROM clock_timestamp() - min(created_at))::float AS seconds FROM refund_decisions',
      );
      decided = progress.rows[0]!.n;
      seconds = Number(progress.rows[0]!.seconds ?? 0);
    }
    const cores = coresBetween(cpuBefore, readCpu({ 'refund-worker': worker.child.pid }), (performance.now() - readyAt) / 1000);
    const workerRssMiB = residentMiB(worker.child.pid);
    await worker.stop('SIGTERM');
    const result = { flags: total, decisions: decided, seconds: Math.round(seconds * 100) / 100, decisionsPerS: Math.round(decided / seconds), workerRssMiB, cores };
    log(`  ${result.decisionsPerS} decisions/s (${decided} in ${result.seconds} s); cores ${JSON.stringify(cores)}`);
    return result;
  } finally {
    await slice.drop();
  }
}
