import type { EachBatchPayload } from 'kafkajs';

/**
 * KafkaJS hands the partition batches of one fetch to `eachBatch`, at most
 * `partitionsConsumedConcurrently` at a time, and fetches again only once every one of them is
 * done. With that option at least the number of partitions a consumer may own, all batches of
 * a fetch reach `eachBatch` in the same turn of the event loop. The function returned here
 * collects the batches that arrive in one turn and runs `handle` once for all of them; each
 * `eachBatch` call settles with it. A fetch then costs one pass (one Redis pipeline, one send,
 * one commit) instead of one per partition, one after the other.
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
        return handle(group.payloads);
      });
      open = group as { payloads: EachBatchPayload[]; done: Promise<void> };
    }
    open.payloads.push(payload);
    return open.done;
  };
}
