/**
 * Gathers what came out of a running Backstop for the invariant checker: every event id on
 * the events topic, how far behind the detector and refund worker groups are, and the flags
 * and refund decisions in Postgres. Reads only: a throwaway consumer group that never
 * commits, and SELECTs.
 */
import { IngestedEvent, topicName } from '@backstop/contracts';
import { readToEnd, retryRetriable } from '@backstop/kafka';
import type { Pool } from '@backstop/postgres';
import type { Admin, Kafka } from 'kafkajs';
import { flagOnTopicKey, type Observed, type ObservedDecision, type ObservedFlag } from './invariants';

export interface CollectOptions {
  kafka: Kafka;
  pool: Pool;
  topicPrefix: string;
  /** Full consumer group ids (prefix included). */
  detectorGroup: string;
  refundWorkerGroup: string;
}

const key = (tenantId: string, id: string) => `${tenantId}\u0000${id}`;

/** Per partition of a topic: the group's committed offset (-1 before its first commit) and the log's start and end. */
export async function partitionOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, { committed: bigint; low: bigint; high: bigint }>> {
  const [ends, committed] = await retryRetriable(() => Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]));
  const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  return new Map(ends.map((end) => [end.partition, { committed: byPartition.get(end.partition) ?? -1n, low: BigInt(end.low), high: BigInt(end.high) }]));
}

/** Messages a group has not committed yet on a topic, summed over its partitions. */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    let lag = 0n;
    for (const { committed, low, high } of (await partitionOffsets(admin, groupId, topic)).values()) {
      // No commit yet: everything still on the partition is waiting.
      const start = committed < 0n ? low : committed;
      if (high > start) lag += high - start;
    }
    return Number(lag);
  } finally {
    await admin.disconnect();
  }
}

/** Every (tenant, event id) on the events topic, read from the beginning to where it ended at the start. */
export async function eventIdsOnTopic(kafka: Kafka, topic: string): Promise<{ eventIds: Set<string>; unreadable: number }> {
  const eventIds = new Set<string>();
  let unreadable = 0;
  await readToEnd(kafka, topic, (value) => {
    const parsed = IngestedEvent.safeParse(safeJson(value));
    if (parsed.success) eventIds.add(key(parsed.data.tenantId, parsed.data.event.id));
    else unreadable += 1;
  });
  return { eventIds, unreadable };
}

/**
 * Every (tenant, payment, flag type) the detector published: when a flag is missing from
 * Postgres, this says whether the detector never raised it or the refund worker lost it.
 */
export async function flagsOnTopic(kafka: Kafka, topic: string): Promise<Set<string>> {
  const found = new Set<string>();
  await readToEnd(kafka, topic, (value) => {
    const flag = safeJson(value) as { tenantId?: unknown; type?: unknown; payment?: { paymentId?: unknown } } | undefined;
    if (typeof flag?.tenantId === 'string' && typeof flag.type === 'string' && typeof flag.payment?.paymentId === 'string') {
      found.add(flagOnTopicKey(flag.tenantId, flag.payment.paymentId, flag.type));
    }
  });
  return found;
}

/** A message's value as JSON, or undefined when it is none. */
export function safeJson(text: string | undefined): unknown {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

export async function collectLag(options: CollectOptions): Promise<Record<string, number>> {
  // The detector first: once it has committed everything, every flag it will publish for
  // those events is on the flags topic before the refund worker's lag is read.
  const detector = await groupLag(options.kafka, options.detectorGroup, topicName('paymentEvents', options.topicPrefix));
  const refundWorker = await groupLag(options.kafka, options.refundWorkerGroup, topicName('flags', options.topicPrefix));
  // The refund worker also reads the events topic itself, for deliveries and refund outcomes.
  const outcomesGroup = `${options.refundWorkerGroup}-events`;
  const outcomes = await groupLag(options.kafka, outcomesGroup, topicName('paymentEvents', options.topicPrefix));
  return { [options.detectorGroup]: detector, [options.refundWorkerGroup]: refundWorker, [outcomesGroup]: outcomes };
}

export async function collectObserved(options: CollectOptions): Promise<Observed & { unreadableEvents: number }> {
  const lagByGroup = await collectLag(options);
  const { eventIds, unreadable } = await eventIdsOnTopic(options.kafka, topicName('paymentEvents', options.topicPrefix));
  const flags = await options.pool.query<ObservedFlag>('SELECT tenant_id AS "tenantId", flag_id AS "flagId", type, payment_id AS "paymentId" FROM flags');
  const decisions = await options.pool.query<ObservedDecision>(
    `SELECT tenant_id AS "tenantId", payment_id AS "paymentId", flag_id AS "flagId", status,
            amount::float8 AS amount, captured_amount::float8 AS "capturedAmount"
       FROM refund_decisions`,
  );
  const published = await flagsOnTopic(options.kafka, topicName('flags', options.topicPrefix));
  return { eventIds, lagByGroup, flags: flags.rows, decisions: decisions.rows, flagsOnTopic: published, unreadableEvents: unreadable };
}
