import { topicName, type TopicRole } from '@backstop/contracts';
import { createKafka, ensureTopics, type KafkaSecurity, type TopicSpec } from '@backstop/kafka';
import { createLogger, type Logger } from '@backstop/logging';

/**
 * Partitions per topic. Events and flags are keyed by tenant:payer, so one payer's messages
 * stay in order while partitions spread payers over detector and worker instances.
 */
const partitions: Record<TopicRole, number> = {
  paymentEvents: 6,
  flags: 3,
  refundCommands: 3,
  deadLetter: 1,
};

const dayMs = 86_400_000;

/**
 * How many days the events topic keeps what ingest accepted (`KAFKA_EVENTS_RETENTION_DAYS`,
 * default 90): as far back as the detector can rebuild lost state and a backtest can replay.
 * 90 matches the payers' history horizon (DETECTOR_HISTORY_DAYS), so a rebuild and a
 * backtest's warm-up find every payment the state would hold. Applied when the topic is
 * created; an existing topic keeps its own until changed with kafka-configs.sh (see
 * docs/backtest.md).
 */
export function eventsRetentionDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KAFKA_EVENTS_RETENTION_DAYS;
  const days = raw === undefined || raw === '' ? 90 : Number(raw);
  if (!Number.isFinite(days) || days <= 0) throw new Error(`KAFKA_EVENTS_RETENTION_DAYS must be a positive number of days, not "${raw}"`);
  return days;
}

const retention: Partial<Record<TopicRole, () => number>> = {
  paymentEvents: () => eventsRetentionDays() * dayMs,
  deadLetter: () => 30 * dayMs,
};

export function backstopTopics(prefix = '', overrides: Partial<Record<TopicRole, number>> = {}): TopicSpec[] {
  return (Object.keys(partitions) as TopicRole[]).map((role) => {
    const retentionMs = retention[role]?.();
    return {
      topic: topicName(role, prefix),
      numPartitions: overrides[role] ?? partitions[role],
      configEntries: retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(Math.round(retentionMs)) }],
    };
  });
}

/** Creates whichever of Backstop's topics (with `prefix`) the brokers lack, and waits for their leaders. */
export async function ensureBackstopTopics(
  brokers: string[],
  { prefix = '', partitions: overrides = {}, security, logger = createLogger('topics', 'warn') }: { prefix?: string; partitions?: Partial<Record<TopicRole, number>>; security?: KafkaSecurity; logger?: Logger } = {},
): Promise<void> {
  const admin = createKafka(brokers, 'backstop-topics', logger, security ? { security } : {}).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, backstopTopics(prefix, overrides));
  } finally {
    await admin.disconnect();
  }
}
