import type { Batch, Consumer } from 'kafkajs';

/**
 * Marks a whole batch done once its effects are durable: resolves its last offset, commits
 * the next one for its partition, and heartbeats. Every consumer calls this last, so an
 * offset is never committed before what the batch caused.
 */
export async function commitBatch(
  consumer: Consumer,
  batch: Batch,
  resolveOffset: (offset: string) => void,
  heartbeat: () => Promise<void>,
): Promise<void> {
  const last = batch.messages[batch.messages.length - 1];
  if (!last) return;
  resolveOffset(last.offset);
  await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
  await heartbeat();
}
