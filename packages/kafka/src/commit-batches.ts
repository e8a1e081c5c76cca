import type { EachBatchPayload } from 'kafkajs';

/**
 * `commitBatch` for the batches of one fetch handled together (see `gatherBatches`): resolves
 * each batch's last offset, then commits the next offset of every partition in one request
 * and heartbeats once. Called last, once what the batches caused is durable.
 *
 * As in `commitBatch`, the commit goes through a batch's own `commitOffsetsIfNecessary`, which
 * still reaches the broker while `disconnect()` waits for the batches to end.
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
