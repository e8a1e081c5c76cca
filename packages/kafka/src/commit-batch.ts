import type { EachBatchPayload } from 'kafkajs';

/**
 * Marks a whole batch done once its effects are durable: resolves its last offset, commits
 * the next one for its partition, and heartbeats. Every consumer calls this last, so an
 * offset is never committed before what the batch caused.
 *
 * The commit goes through the batch's own `commitOffsetsIfNecessary`, not
 * `consumer.commitOffsets`: KafkaJS silently skips the latter once `disconnect()` has begun
 * (its runner is no longer "running"), so the batch a SIGTERM lands in would finish its work,
 * go uncommitted, and be redone by the partition's next owner. The batch's own commit still
 * reaches the broker while `disconnect()` waits for the batch to end.
 */
export async function commitBatch({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }: EachBatchPayload): Promise<void> {
  const last = batch.messages[batch.messages.length - 1];
  if (!last) return;
  resolveOffset(last.offset);
  const next = (BigInt(last.offset) + 1n).toString();
  await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
  await heartbeat();
}
