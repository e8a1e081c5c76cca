import type { EachBatchPayload } from 'kafkajs';

/**
 * Marks the batches of one fetch done once their effects are durable (see `gatherBatches`):
 * resolves each batch's last offset, commits the next offset of every partition in one
 * request, and heartbeats once. Every consumer calls this last, so an offset is never
 * committed before what its batch caused.
 *
 * The commit goes through a batch's own `commitOffsetsIfNecessary`, not
 * `consumer.commitOffsets`: KafkaJS silently skips the latter once `disconnect()` has begun
 * (its runner is no longer "running"), so the batch a SIGTERM lands in would finish its work,
 * go uncommitted, and be redone by the partition's next owner. The batch's own commit still
 * reaches the broker while `disconnect()` waits for the batches to end.
 */
export async function commitBatches(payloads: readonly EachBatchPayload[]): Promise<void> {
  const byTopic = new Map<string, { partition: number; offset: string }[]>();
  for (const { batch, resolveOffset } of payloads) {
    const last = batch.messages[batch.messages.length - 1];
    if (!last) continue;
    resolveOffset(last.offset);
    const partitions = byTopic.get(batch.topic) ?? [];
    partitions.push({ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() });
    byTopic.set(batch.topic, partitions);
  }
  const first = payloads[0];
  if (!first || byTopic.size === 0) return;
  await first.commitOffsetsIfNecessary({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
  await first.heartbeat();
}
