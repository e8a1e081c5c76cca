import type { EachBatchPayload } from 'kafkajs';

/**
 * What `partitionsConsumedConcurrently` must be for `gatherBatches`: at least the partitions
 * one instance may own.
 */
export const PARTITIONS_PER_PASS = 64;

/**
 * A batch worth handling: the consumer still runs, its partition was not sought elsewhere
 * (a rebalance), and it holds messages. The others are left uncommitted, as they were, for
 * the partition's next owner.
 */
const live = ({ batch, isRunning, isStale }: EachBatchPayload) => isRunning() && !isStale() && batch.messages.length > 0;

/**
 * KafkaJS hands the partition batches of one fetch to `eachBatch`, at most
 * `partitionsConsumedConcurrently` at a time, and fetches again only once every one of them is
 * done. With that option at `PARTITIONS_PER_PASS`, all batches of a fetch reach `eachBatch` in
 * the same turn of the event loop. The function returned here collects the batches that
 * arrive in one turn and runs `handle` once for the live ones among them (none: not at all);
 * each `eachBatch` call settles with it. A fetch then costs one pass (one Redis pipeline, one
 * send, one commit) instead of one per partition, one after the other.
 *
 * Groups never overlap: the next fetch, and with it the next group, starts only after KafkaJS
 * has seen every batch of this one settle.
 */
export function gatherBatches(handle: (payloads: EachBatchPayload[]) => Promise<void>): (payload: EachBatchPayload) => Promise<void> {
  let open: { payloads: EachBatchPayload[]; done: Promise<void> } | undefined;
  return (payload) => {
    if (!open) {
      const group: { payloads: EachBatchPayload[]; done?: Promise<void> } = { payloads: [] };
      group.done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        if (open === group) open = undefined;
        const handed = group.payloads.filter(live);
        return handed.length > 0 ? handle(handed) : undefined;
      });
      open = group as { payloads: EachBatchPayload[]; done: Promise<void> };
    }
    open.payloads.push(payload);
    return open.done;
  };
}
