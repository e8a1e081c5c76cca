import type { Kafka } from 'kafkajs';
import { MergeQueues, type Positioned } from './merge-queues';
import type { PartitionRange } from './read-plan';

/**
 * Record timestamps a little past `--to` are still read: ingest stamps `receivedAt` just before
 * the producer stamps the record, so an event accepted just before `--to` may carry a record
 * timestamp just after it.
 */
const PAST_THE_END_MS = 60_000;

export interface EventReading {
  /** The merged messages, a fixed-size chunk at a time (see MergeQueues). */
  chunks: AsyncGenerator<Positioned[]>;
  /** Messages handed over so far, for progress. */
  read(): number;
  /** Stops the consumer and deletes its group; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * Reads the planned ranges with a consumer group of its own that never commits (KafkaJS hands
 * out partitions only through a group) and is deleted at the end: no group of Backstop's is
 * touched, and a second backtest beside this one reads with its own. Each partition is sought
 * to its start when the group assigns it and paused once it reaches its end or `toMs`.
 */
export async function readEvents(options: {
  kafka: Kafka;
  topic: string;
  groupId: string;
  ranges: readonly PartitionRange[];
  toMs: number;
  chunkSize: number;
  signal: AbortSignal;
}): Promise<EventReading> {
  const { kafka, topic, groupId, ranges, toMs, chunkSize, signal } = options;
  const queues = new MergeQueues(ranges.map((range) => range.partition));
  const rangeOf = new Map(ranges.map((range) => [range.partition, range]));
  const finished = new Set<number>();
  let read = 0;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytes: 32 * 1024 * 1024, maxBytesPerPartition: 8 * 1024 * 1024 });
  const pauseFinished = () => {
    if (finished.size > 0) consumer.pause([{ topic, partitions: [...finished] }]);
  };
  consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const range of ranges) if (!finished.has(range.partition)) consumer.seek({ topic, partition: range.partition, offset: range.start });
    pauseFinished();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => queues.fail(payload.error));
  let closed: Promise<void> | undefined;
  const close = () =>
    (closed ??= (async () => {
      await consumer.disconnect().catch(() => undefined);
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.deleteGroups([groupId]);
      } catch {
        // It never committed an offset: the broker drops it on its own once it is empty.
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    })());

  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: Math.max(1, ranges.length),
    eachBatch: async ({ batch, heartbeat, isStale }) => {
      const range = rangeOf.get(batch.partition);
      if (!range || finished.has(batch.partition) || isStale()) return;
      const end = BigInt(range.end);
      const taken = [];
      let done = false;
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        if (offset < BigInt(range.start)) continue;
        if (offset >= end || Number(message.timestamp) > toMs + PAST_THE_END_MS) {
          done = true;
          break;
        }
        taken.push(message);
        if (offset === end - 1n) done = true;
      }
      read += taken.length;
      queues.push(batch.partition, taken, done);
      if (done) {
        finished.add(batch.partition);
        pauseFinished();
      }
      while (!signal.aborted && queues.mustHold(batch.partition)) {
        await queues.changed(1_000);
        await heartbeat();
      }
    },
  });
  return { chunks: queues.chunks(chunkSize, signal), read: () => read, close };
}
