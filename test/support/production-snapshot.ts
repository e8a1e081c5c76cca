import { topicName } from '@backstop/contracts';
import { forEachKey, type Slice } from '@backstop/testkit';

/** Every table a refund decision or a flag touches, and what configures them. */
const TABLES = ['flags', 'refund_decisions', 'decision_audit', 'audit_heads', 'refund_outbox', 'auto_refund_usage', 'order_deliveries', 'refund_outcomes', 'detector_rules', 'refund_policies'];

/**
 * Production's state in a slice, exactly: each table's rows as Postgres prints them (every
 * column), each Redis key of production's prefix with its DUMP bytes (TTLs left out: they
 * tick), each topic's end offsets and the services' committed offsets.
 */
export async function productionSnapshot(slice: Slice, groups: readonly string[]): Promise<Record<string, unknown>> {
  const snapshot: Record<string, unknown> = {};
  for (const table of TABLES) {
    snapshot[table] = (await slice.pool.query<{ row: string }>(`SELECT t::text AS row FROM ${table} t ORDER BY 1`)).rows.map((r) => r.row);
  }
  const keys: string[] = [];
  await forEachKey(slice.redis, `${slice.redisPrefix}:*`, async (page) => { keys.push(...page); });
  const redis: Record<string, string> = {};
  for (const key of keys.sort()) redis[key] = (await slice.redis.dumpBuffer(key))?.toString('hex') ?? '(gone)';
  snapshot.redis = redis;
  const admin = slice.kafka.admin();
  await admin.connect();
  try {
    for (const role of ['paymentEvents', 'flags', 'refundCommands', 'deadLetter'] as const) {
      snapshot[`topic:${role}`] = (await admin.fetchTopicOffsets(topicName(role, slice.topicPrefix))).map(({ partition, high, low }) => `${partition}:${low}-${high}`).sort();
    }
    for (const groupId of groups) snapshot[`group:${groupId}`] = await admin.fetchOffsets({ groupId });
  } finally {
    await admin.disconnect();
  }
  return snapshot;
}
