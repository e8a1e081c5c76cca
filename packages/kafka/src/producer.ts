import { Partitioners, type Kafka, type Producer, type ProducerBatch, type ProducerRecord } from 'kafkajs';
import type { Logger } from '@backstop/logging';
import { PartitionRouter } from './partition-router';
import { describeUnsent, PARTITIONS_LEFT_UNSENT, sendToEveryPartition, type RoutedBatch } from './send-to-every-partition';

/**
 * An idempotent producer: the broker drops a retried batch it already appended, so a retry
 * after a lost acknowledgement never writes a message twice. Sends use acks from every
 * in-sync replica.
 *
 * Two guards keep that promise from turning into silent loss:
 * - **A failed send retires the producer.** When a produce request fails without an answer,
 *   KafkaJS gives its sequence numbers back, though the broker may well have appended the
 *   batch. The next send would then carry *other* messages under the same numbers, and a
 *   broker that sees a batch with a known producer id and sequence range answers "appended"
 *   without writing it. So after any failed send the next one goes out under a fresh
 *   producer id, whose numbers no earlier batch has used. The failed send still fails; its
 *   caller sends its messages again, and a copy that did land is a duplicate the consumers
 *   drop by id.
 * - **One send at a time.** Concurrent sends on one KafkaJS producer queue on its broker
 *   lock, so a send queued behind a failing one would take the numbers it gave back before
 *   anything here could retire the producer.
 * - **A send is done when every partition it has messages for acknowledged.** Each message's
 *   partition is chosen before the send (`PartitionRouter`, the same choice KafkaJS makes),
 *   and the messages of a partition KafkaJS left out after a leader change go out again
 *   (`sendToEveryPartition`). The first time on the same producer: the numbers of a partition
 *   left out are as KafkaJS last gave them back, so the same messages under the same numbers
 *   are a true retry, which the broker drops if an earlier attempt did land. After that under
 *   a fresh producer id, as after any failure.
 *
 * Each retirement is logged at warn with the error that caused it.
 */
export function createIdempotentProducer(kafka: Kafka, logger?: Logger): Producer {
  const make = () =>
    kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      allowAutoTopicCreation: false,
    });
  let current = make();
  let wanted = false;
  // The current producer's connect, once begun. A producer retired while the broker is away
  // may not connect at first; the next send tries again rather than sending without a
  // producer id (KafkaJS would send such batches with no idempotence at all).
  let connecting: Promise<void> | undefined;
  let tail: Promise<unknown> = Promise.resolve();
  const router = new PartitionRouter(kafka);

  const connectCurrent = () =>
    (connecting ??= current.connect().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    }));

  const retire = (error: unknown) => {
    const broken = current;
    current = make();
    connecting = undefined;
    void broken.disconnect().catch(() => undefined);
    logger?.warn({ err: error instanceof Error ? error.message : String(error) }, 'Kafka producer replaced after a failed send: the next batch goes out under a new producer id');
  };

  /**
   * Chooses the partitions (a failure here sent nothing, so it fails the send and retires
   * nobody), then sends until every partition acknowledged.
   */
  const deliver = async (batch: ProducerBatch): Promise<RoutedBatch> => {
    if (!wanted) throw new Error('The producer is disconnected');
    const topicMessages = await Promise.all((batch.topicMessages ?? []).map(async ({ topic, messages }) => ({ topic, messages: await router.route(topic, messages) })));
    return { ...batch, topicMessages };
  };
  const sendRouted = (producer: Producer, batch: RoutedBatch) =>
    sendToEveryPartition(producer, batch, async (unsent, followUp) => {
      if (!wanted) throw new Error('The producer is disconnected');
      for (const { topic } of unsent) router.forget(topic);
      const left = `${PARTITIONS_LEFT_UNSENT}: ${describeUnsent(unsent)}`;
      if (followUp === 1) {
        logger?.warn({ left }, `${PARTITIONS_LEFT_UNSENT}; sending their messages again`);
        return producer;
      }
      retire(new Error(left));
      await connectCurrent();
      return current;
    });

  // Each send is prepared (its partitions chosen) and sent in its turn, so sends keep the
  // order they were called in.
  const serialised = <A extends unknown[], R>(send: (producer: Producer, batch: RoutedBatch) => Promise<R>, prepare: (...args: A) => Promise<RoutedBatch>) =>
    (...args: A): Promise<R> => {
      const turn = tail.then(async () => {
        const batch = await prepare(...args);
        if (wanted) await connectCurrent();
        const producer = current;
        try {
          return await send(producer, batch);
        } catch (error) {
          if (wanted) retire(error);
          throw error;
        }
      });
      tail = turn.catch(() => undefined);
      return turn;
    };

  const overrides: Partial<Producer> = {
    connect: async () => {
      wanted = true;
      router.open();
      await connectCurrent();
    },
    // Not behind the sends: a send stuck retrying against an absent broker must not hold up
    // shutdown, and fails when its producer is disconnected, as it would without this wrapper.
    disconnect: async () => {
      wanted = false;
      connecting = undefined;
      await Promise.all([current.disconnect(), router.close()]);
    },
    send: serialised(sendRouted, ({ topic, messages, ...options }: ProducerRecord) => deliver({ ...options, topicMessages: [{ topic, messages }] })),
    sendBatch: serialised(sendRouted, deliver),
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
