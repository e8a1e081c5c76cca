import type { Consumer, EachBatchPayload } from 'kafkajs';
import { gatherBatches, PARTITIONS_PER_PASS } from './gather-batches';

/**
 * Runs a consumer one fetch at a time: the live batches of each fetch reach `handleFetch`
 * together (see `gatherBatches`), and only `handleFetch` commits them (`commitBatches`), once
 * what they caused is durable.
 */
export function runByFetch(consumer: Consumer, handleFetch: (payloads: EachBatchPayload[]) => Promise<void>): Promise<void> {
  return consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: PARTITIONS_PER_PASS,
    eachBatch: gatherBatches(handleFetch),
  });
}
