import type { EachBatchPayload } from 'kafkajs';
import { commitBatches } from './commit-batches';

/** `commitBatches` for a consumer that handles one partition's batch at a time. */
export function commitBatch(payload: EachBatchPayload): Promise<void> {
  return commitBatches([payload]);
}
