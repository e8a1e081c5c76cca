import { topicName, type TopicRole } from '@backstop/contracts';
import type { TopicSpec } from '@backstop/kafka';

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

export function backstopTopics(prefix = '', overrides: Partial<Record<TopicRole, number>> = {}): TopicSpec[] {
  return (Object.keys(partitions) as TopicRole[]).map((role) => ({
    topic: topicName(role, prefix),
    numPartitions: overrides[role] ?? partitions[role],
    configEntries: role === 'deadLetter' ? [{ name: 'retention.ms', value: String(30 * 86_400_000) }] : [],
  }));
}
