import { randomBytes } from 'node:crypto';
import { topicName, type Flag } from '@backstop/contracts';
import { decodeEvent, detectBatch, fixedRulesConfig, type PayerStateSettings, type SourceBatch } from '@backstop/detection';
import type { Pool } from '@backstop/postgres';
import type { Redis } from '@backstop/redis';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { BacktestError } from './backtest-error';
import type { Candidate } from './candidate';
import { compareRuns } from './compare';
import type { Positioned } from './merge-queues';
import type { Period } from './period';
import { readProduction, type ProductionFlag } from './production';
import { offsetFacts, planRead } from './read-plan';
import { readEvents } from './read-events';
import type { BacktestReport } from './report';
import { createShadowState } from './shadow-state';
import { ShadowRefunds, type ShadowDecision } from './shadow-refunds';

/** Events per run through the rules: big batches, fixed so every run cuts them alike. */
export const CHUNK_EVENTS = 2_000;

export interface BacktestDeps {
  kafka: Kafka;
  redis: Redis;
  /** Read only: production's flags, decisions and verdicts, and the tenant's configuration. */
  pool: Pool;
  topicPrefix: string;
  /** The detector's state limits; REDIS_KEY_PREFIX is production's, under which the shadow state gets its own. */
  stateSettings: PayerStateSettings;
}

export interface BacktestProgress {
  phase: 'planning' | 'replaying' | 'comparing' | 'done';
  /** Messages of the events topic read so far, and in all. */
  read: number;
  total: number;
}

export interface BacktestRun {
  /** Names the run's consumer group and shadow state; not part of the report, which must not change from run to run. */
  runId: string;
  signal?: AbortSignal;
  onProgress?: (progress: BacktestProgress) => void;
}

export const newRunId = () => `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;

const compact = (flag: Flag): ProductionFlag => ({
  flagId: flag.flagId, type: flag.type, severity: flag.severity, paymentId: flag.payment.paymentId, payerId: flag.payment.payerId,
  amount: flag.payment.amount, currency: flag.payment.currency, receivedAt: new Date(flag.receivedAt).toISOString(),
});

/** A chunk as detectBatch takes it: one batch per partition, each in offset order. */
function batchesOf(chunk: readonly Positioned[], topic: string): SourceBatch[] {
  const byPartition = new Map<number, KafkaMessage[]>();
  for (const { partition, message } of chunk) {
    const messages = byPartition.get(partition);
    if (messages) messages.push(message);
    else byPartition.set(partition, [message]);
  }
  return [...byPartition.entries()].sort(([a], [b]) => a - b).map(([partition, messages]) => ({ messages, source: { topic, partition } }));
}

/**
 * Replays the tenant's events of the period (after the warm-up) through the real rules with
 * the candidate rules, in a shadow state, applies the candidate policy to the flags in
 * shadow, and compares both with what production recorded. Evaluation uses event time only:
 * flags are stamped with the period's end instead of the wall clock. The shadow state and the
 * consumer group are removed at the end, also when the run fails or is cancelled.
 */
export async function runBacktest(deps: BacktestDeps, candidate: Candidate, period: Period, run: BacktestRun): Promise<BacktestReport> {
  const { kafka, redis, pool, topicPrefix, stateSettings } = deps;
  const signal = run.signal ?? new AbortController().signal;
  const topic = topicName('paymentEvents', topicPrefix);
  const progress = (phase: BacktestProgress['phase'], read: number, total: number) => run.onProgress?.({ phase, read, total });
  progress('planning', 0, 0);

  const admin = kafka.admin();
  await admin.connect();
  let plan;
  try {
    plan = planRead(await offsetFacts(admin, topic, period));
  } finally {
    await admin.disconnect();
  }

  const shadow = createShadowState(redis, stateSettings, run.runId);
  const refunds = new ShadowRefunds(candidate.tenantId, candidate.policy, candidate.timeZone);
  const rulesConfig = fixedRulesConfig(candidate.rules);
  const flaggedAt = new Date(period.toMs);
  const keyPrefix = Buffer.from(`${candidate.tenantId}:`);
  const inPeriod = (receivedAt: string) => {
    const ms = Date.parse(receivedAt);
    return ms >= period.fromMs && ms < period.toMs;
  };
  const flags: ProductionFlag[] = [];
  // A redelivered event yields its first delivery's flags again, stamped with its own receipt
  // when both deliveries share a batch; production stores a flag once, as first received.
  const seenFlags = new Set<string>();
  const decisions: ShadowDecision[] = [];
  const events = { warmUp: 0, period: 0 };
  const reading = await readEvents({
    kafka, topic, groupId: `${topicPrefix}backstop-backtest.${run.runId}`, ranges: plan.ranges, toMs: period.toMs, chunkSize: CHUNK_EVENTS, signal,
  });
  try {
    progress('replaying', 0, plan.messages);
    for await (const chunk of reading.chunks) {
      // Other tenants' events share the topic; the key names the tenant, so they are skipped unread.
      const own = chunk.filter(({ message }) => message.key !== null && message.key.subarray(0, keyPrefix.length).equals(keyPrefix));
      for (const { message } of own) {
        const ms = Number(message.timestamp);
        if (ms < period.fromMs) events.warmUp += 1;
        else if (ms < period.toMs) events.period += 1;
        if (message.value?.includes('"order.delivered"')) recordDelivery(message, refunds);
      }
      const outcome = await detectBatch(batchesOf(own, topic), { store: shadow.store, rulesConfig, allowedLatenessMs: Number.MAX_SAFE_INTEGER, now: () => flaggedAt });
      await shadow.store.record(outcome.records);
      const periodFlags = new Set<string>();
      for (const flag of outcome.flags) {
        if (seenFlags.has(flag.flagId)) continue;
        seenFlags.add(flag.flagId);
        if (!inPeriod(flag.receivedAt)) continue;
        flags.push(compact(flag));
        periodFlags.add(flag.flagId);
      }
      // Warm-up flags are decided too: a charge they decided is decided when the period begins.
      for (const decision of refunds.decide(outcome.flags)) if (periodFlags.has(decision.flagId)) decisions.push(decision);
      progress('replaying', reading.read(), plan.messages);
    }
    if (signal.aborted) throw new BacktestError('cancelled', 'the backtest was cancelled');
  } finally {
    await reading.close();
    await shadow.drop();
  }

  progress('comparing', plan.messages, plan.messages);
  const production = await readProduction(pool, candidate.tenantId, period.fromMs, period.toMs);
  const comparison = compareRuns(production, { flags, decisions });
  progress('done', plan.messages, plan.messages);
  return {
    v: 1,
    tenantId: candidate.tenantId,
    period: { from: new Date(period.fromMs).toISOString(), to: new Date(period.toMs).toISOString() },
    warmUp: { from: new Date(period.warmUpFromMs).toISOString(), hours: (period.fromMs - period.warmUpFromMs) / 3_600_000, complete: plan.warmUpComplete },
    events,
    candidate: { rulesFrom: candidate.rulesFrom, policyFrom: candidate.policyFrom, digest: candidate.digest },
    ...comparison,
  };
}

function recordDelivery(message: KafkaMessage, refunds: ShadowRefunds): void {
  try {
    const { event } = decodeEvent(message);
    if (event.type === 'order.delivered') refunds.delivered(event.data.orderId);
  } catch {
    // detectBatch dead-letters what does not decode; production did the same.
  }
}
