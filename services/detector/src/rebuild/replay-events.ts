import { randomUUID } from 'node:crypto';
import type { Logger } from '@backstop/logging';
import type { Kafka } from 'kafkajs';
import { replayBatch, type ReplayedBatch } from './replay-batch';
import { planReplay, ReplayProgress, type PartitionRange } from './replay-plan';
import { type PayerStateStore } from '@backstop/detection';

/** Payments per observe pipeline: bounds how long one replay round trip holds Redis. */
const CHUNK = 500;

export interface ReplaySource {
  kafka: Kafka;
  topic: string;
  /** The live consumer group: its committed offsets end the replay. */
  groupId: string;
}

/** The topic's partition count and the ranges a rebuild that begins now replays (see planReplay). */
export async function planEventsReplay(source: ReplaySource, sinceMs: number): Promise<{ partitions: number; ranges: PartitionRange[] }> {
  const admin = source.kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(source.topic);
    // A partition with nothing written since the lookback comes back at its end.
    const starts = await admin.fetchTopicOffsetsByTimestamp(source.topic, sinceMs);
    const [committed] = await admin.fetchOffsets({ groupId: source.groupId, topics: [source.topic] });
    const highs = ends.map(({ partition, high }) => ({ partition, offset: high }));
    return { partitions: ends.length, ranges: planReplay(starts, highs, committed?.partitions ?? []) };
  } finally {
    await admin.disconnect();
  }
}

export type ReplayOutcome = 'finished' | 'abandoned';

/** Replays the events topic into the payers' state, for StateRebuilder. */
export interface EventsReplayer {
  /** The topic's partition count and the ranges a rebuild that begins at `nowMs` replays. */
  plan(nowMs: number): Promise<{ partitions: number; ranges: PartitionRange[] }>;
  /** Resolves 'abandoned' as soon as `signal` aborts. */
  replay(ranges: readonly PartitionRange[], signal: AbortSignal, onBatch: (replayed: ReplayedBatch) => void): Promise<ReplayOutcome>;
}

/** Replays from the first events written `lookbackMs` before the rebuild began. */
export function kafkaEventsReplayer(source: ReplaySource & { store: PayerStateStore<unknown>; lookbackMs: number; logger: Logger }): EventsReplayer {
  return {
    plan: (nowMs) => planEventsReplay(source, nowMs - source.lookbackMs),
    replay: (ranges, signal, onBatch) => replayRanges({ ...source, ranges, signal, onBatch }),
  };
}

interface ReplayOptions extends ReplaySource {
  ranges: readonly PartitionRange[];
  store: PayerStateStore<unknown>;
  /** Aborted when this instance must stop rebuilding: it lost the lock, or is shutting down. */
  signal: AbortSignal;
  onBatch: (replayed: ReplayedBatch) => void;
  logger: Logger;
}

/**
 * Reads the ranges and puts their payments back into the payers' windows. KafkaJS hands out
 * partitions only through a consumer group, so the replay joins a group of its own that no
 * one else uses (one member: every partition is its own). Each time the group assigns the
 * partitions, those with replaying left are sought to where they stand and all others are
 * paused; a partition is paused as it reaches its end. The group never commits, and is
 * deleted once done. The live consumer's group is not touched and keeps consuming.
 */
export async function replayRanges(options: ReplayOptions): Promise<ReplayOutcome> {
  const { kafka, topic, ranges, store, signal, onBatch, logger } = options;
  if (signal.aborted) return 'abandoned';
  const progress = new ReplayProgress(ranges);
  if (progress.finished) return 'finished';
  const groupId = `${options.groupId}.rebuild.${randomUUID().slice(0, 8)}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });

  let settle: (outcome: ReplayOutcome) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const settled = new Promise<ReplayOutcome>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // Awaited only once the consumer runs; a crash before that must not go unhandled meanwhile.
  settled.catch(() => undefined);
  const onAbort = () => settle('abandoned');
  signal.addEventListener('abort', onAbort, { once: true });

  // Pausing single partitions would undo a pause of the whole topic (KafkaJS keeps one or the
  // other), so every change pauses the topic and resumes exactly the unfinished partitions.
  const readOnlyUnfinished = () => {
    consumer.pause([{ topic }]);
    consumer.resume([{ topic, partitions: progress.resumePoints().map((point) => point.partition) }]);
  };
  const readThrough = (partition: number, offset: string) => {
    if (!progress.readThrough(partition, offset)) return;
    if (progress.finished) settle('finished');
    else readOnlyUnfinished();
  };
  consumer.on(consumer.events.GROUP_JOIN, () => {
    readOnlyUnfinished();
    for (const { partition, offset } of progress.resumePoints()) consumer.seek({ topic, partition, offset });
  });
  // Batches that held only records a consumer never sees (transaction markers) skip eachBatch.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.batchSize === 0) readThrough(payload.partition, payload.lastOffset);
  });
  // KafkaJS would restart a crashed consumer forever; a failed replay is retried from the
  // start instead, a lock lease later, by whichever instance takes the lock.
  consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));

  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      // A few partitions at once overlap their Redis round trips; more would crowd out live batches.
      partitionsConsumedConcurrently: Math.min(ranges.length, 3),
      eachBatch: async ({ batch, heartbeat, isStale }) => {
        const wanted = batch.messages.filter((message) => progress.wants(batch.partition, message.offset));
        for (let start = 0; start < wanted.length; start += CHUNK) {
          if (isStale() || signal.aborted) return;
          onBatch(await replayBatch(wanted.slice(start, start + CHUNK), store));
          await heartbeat();
        }
        if (!isStale()) readThrough(batch.partition, batch.lastOffset());
      },
    });
    return await settled;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await consumer.disconnect();
    await deleteGroup(kafka, groupId, logger);
  }
}

async function deleteGroup(kafka: Kafka, groupId: string, logger: Logger): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.deleteGroups([groupId]);
  } catch (error) {
    // It never committed an offset, so the broker drops it on its own once it is empty.
    logger.warn({ err: error, groupId }, 'could not delete the replay consumer group');
  } finally {
    await admin.disconnect();
  }
}
