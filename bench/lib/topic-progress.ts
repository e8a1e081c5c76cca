import type { Admin } from 'kafkajs';

/** How far a consumer group has committed through a topic: total end offset and what remains. */
export function topicProgress(admin: Admin, groupId: string, topic: string): () => Promise<{ end: number; lag: number }> {
  return async () => {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    let end = 0;
    let lag = 0;
    for (const partition of ends) {
      end += Number(partition.high);
      lag += Number(partition.high) - Math.max(Number(partition.low), done.get(partition.partition) ?? 0);
    }
    return { end, lag };
  };
}
