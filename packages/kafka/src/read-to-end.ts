import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { retryRetriable } from './retriable';

/**
 * Reads a topic from its beginning to where each partition ended when called, handing every
 * message's value to `visit`, with a throwaway consumer group that never commits. Messages
 * written meanwhile are left out. Values are visited, not gathered: a whole events topic is
 * never held in memory.
 */
export async function readToEnd(kafka: Kafka, topic: string, visit: (value: string | undefined, partition: number) => void): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, { low: bigint; high: bigint }>;
  try {
    // A partition whose leader is still being elected answers "not the leader": asked again.
    ends = new Map((await retryRetriable(() => admin.fetchTopicOffsets(topic))).map((p) => [p.partition, { low: BigInt(p.low), high: BigInt(p.high) }]));
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set([...ends].filter(([, range]) => range.high > range.low).map(([partition]) => partition));
  if (remaining.size === 0) return;

  const consumer = kafka.consumer({ groupId: `read-to-end-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const end = ends.get(batch.partition)?.high ?? 0n;
            for (const message of batch.messages) {
              if (BigInt(message.offset) >= end) break;
              visit(message.value?.toString('utf8'), batch.partition);
            }
            if (BigInt(batch.lastOffset()) + 1n >= end) {
              remaining.delete(batch.partition);
              if (remaining.size === 0) resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}
