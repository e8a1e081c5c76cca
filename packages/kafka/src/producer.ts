import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * Errors after which an idempotent producer's sequence numbers no longer match the broker's:
 * KafkaJS keeps the producer id and its sequence and so fails every later send the same way.
 * Seen when a partition's leader dies mid-send and another takes over.
 */
const FATAL_TO_IDEMPOTENCE = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_EPOCH']);

/** Whether an error (or any error it wraps) leaves the producer's sequence state unusable. */
export function breaksIdempotence(error: unknown): boolean {
  for (let current = error; current instanceof Error; current = (current as { cause?: unknown }).cause ?? (current as { originalError?: unknown }).originalError) {
    if (FATAL_TO_IDEMPOTENCE.has(String((current as { type?: unknown }).type))) return true;
  }
  return false;
}

/**
 * An idempotent producer: the broker drops a retried batch it already appended, so a retry
 * after a lost acknowledgement never writes a message twice. Sends use acks from every
 * in-sync replica.
 *
 * When a send fails with an error that breaks the producer's sequence state, the failed send
 * still fails (its caller retries it, as after any failed send), but the producer underneath
 * is replaced by a fresh one, with a new producer id, so the next send can succeed instead of
 * failing forever.
 */
export function createIdempotentProducer(kafka: Kafka, onReplaced: (error: unknown) => void = () => undefined): Producer {
  const make = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  let current = make();
  let connected = false;
  let replacing: Promise<void> | undefined;

  const replace = (error: unknown) => {
    replacing ??= (async () => {
      const broken = current;
      current = make();
      await broken.disconnect().catch(() => undefined);
      if (connected) await current.connect();
      onReplaced(error);
    })().finally(() => (replacing = undefined));
    return replacing;
  };

  const guarded = <A extends unknown[], R>(send: (producer: Producer, ...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      await replacing;
      try {
        return await send(current, ...args);
      } catch (error) {
        if (breaksIdempotence(error)) await replace(error).catch(() => undefined);
        throw error;
      }
    };

  const overrides: Partial<Producer> = {
    connect: async () => {
      connected = true;
      await current.connect();
    },
    disconnect: async () => {
      connected = false;
      await replacing?.catch(() => undefined);
      await current.disconnect();
    },
    send: guarded((producer, record: Parameters<Producer['send']>[0]) => producer.send(record)),
    sendBatch: guarded((producer, batch: Parameters<Producer['sendBatch']>[0]) => producer.sendBatch(batch)),
  };
  return new Proxy({} as Producer, {
    get: (_, property: keyof Producer) => {
      if (property in overrides) return overrides[property];
      const value = current[property];
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(current) : value;
    },
  });
}

export const ACKS_ALL = -1;
