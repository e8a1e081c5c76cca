import type { Admin } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/**
 * Creates whichever of the topics are missing (existing ones are left as they are) and waits
 * until every partition has a leader. KafkaJS's own `waitForLeaders` gives up when a fresh
 * broker still answers "unknown topic" for a topic it just created, so the wait is ours.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[], timeoutMs = 60_000): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((spec) => !existing.has(spec.topic));
  if (missing.length > 0) {
    await admin.createTopics({
      topics: missing.map((spec) => ({ ...spec, replicationFactor: -1 })),
      waitForLeaders: false,
    });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
      const ready = topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0));
      if (ready) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics have no leaders after ${timeoutMs} ms: ${specs.map((s) => s.topic).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
