import { Consumer, type Message } from '@platformatic/kafka';
import { IDLE_FETCH_WAIT_MS } from '@backstop/kafka';
import type { KafkaMessage } from 'kafkajs';

/** The batches of one read, by partition, in the shape the detector's handler takes from KafkaJS. */
export interface FetchedBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
}

export interface PlatformaticByFetchOptions {
  brokers: string[];
  clientId: string;
  groupId: string;
  topic: string;
  /** Messages the stream may hold read ahead while a batch is being handled. */
  readAhead: number;
  maxBytes: number;
  maxBytesPerPartition: number;
}

const asIs = (data?: Buffer) => data;

/** A platformatic message as KafkaJS would have handed it: offsets and times as decimal strings. */
function asKafkaJsMessage(message: Message<Buffer | undefined, Buffer | undefined, Buffer | undefined, Buffer | undefined>): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const [key, value] of message.headers) if (key && value) headers[key.toString()] = value;
  return {
    key: message.key ?? null,
    value: message.value ?? null,
    timestamp: message.timestamp.toString(),
    offset: message.offset.toString(),
    attributes: 0,
    headers,
  };
}

/**
 * @platformatic/kafka run the way `runByFetch` runs KafkaJS: whatever the stream holds is taken
 * as one pass, handed to `handleFetch` by partition, and its offsets committed in one request
 * only after `handleFetch` resolved. Unlike KafkaJS the stream goes on fetching (up to
 * `readAhead` messages) while a pass is handled. For the benchmark that compares the clients.
 */
export async function runPlatformaticByFetch(
  options: PlatformaticByFetchOptions,
  handleFetch: (batches: FetchedBatch[]) => Promise<void>,
  { committed, signal }: { committed: () => void; signal: AbortSignal },
): Promise<void> {
  const consumer = new Consumer({
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    groupId: options.groupId,
    // KIP-848: the broker assigns partitions, with no join and sync rounds.
    groupProtocol: 'consumer',
    deserializers: { key: asIs, value: asIs, headerKey: asIs, headerValue: asIs },
    // The detector's fetch settings: an idle fetch waits at most IDLE_FETCH_WAIT_MS.
    minBytes: 1,
    maxWaitTime: IDLE_FETCH_WAIT_MS,
    maxBytes: options.maxBytes,
    maxBytesPerPartition: options.maxBytesPerPartition,
  });
  try {
    const stream = await consumer.consume({ topics: [options.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, highWaterMark: options.readAhead });
    // A stream that stops delivering would hold the loop below for good: an abort while it
    // waits for messages closes it. One during a pass lets the pass finish, then the loop ends.
    let inPass = false;
    signal.addEventListener('abort', () => {
      if (!inPass) stream.close().catch(() => undefined);
    }, { once: true });
    let byPartition = new Map<number, FetchedBatch>();
    try {
      for await (const message of stream as AsyncIterable<Message<Buffer | undefined, Buffer | undefined, Buffer | undefined, Buffer | undefined>>) {
        let batch = byPartition.get(message.partition);
        if (!batch) byPartition.set(message.partition, (batch = { topic: message.topic, partition: message.partition, messages: [] }));
        batch.messages.push(asKafkaJsMessage(message));
        // A pass ends where the stream's buffer does: what the reads so far brought.
        if (stream.readableLength > 0) continue;
        const batches = [...byPartition.values()];
        byPartition = new Map();
        inPass = true;
        await handleFetch(batches);
        await consumer.commit({
          offsets: batches.map(({ topic, partition, messages }) => ({ topic, partition, offset: BigInt(messages.at(-1)!.offset) + 1n, leaderEpoch: -1 })),
        });
        committed();
        inPass = false;
        if (signal.aborted) break;
      }
    } catch (error) {
      // The stream closed under a waiting loop by the abort; anything else is a failure.
      if (!signal.aborted) throw error;
    }
    await stream.close().catch(() => undefined);
  } finally {
    await consumer.close(true);
  }
}
