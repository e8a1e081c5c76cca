import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import type { RoutedMessage } from './partition-router';

/** What the producer logs when KafkaJS left partitions out of a send; fault tests count it. */
export const PARTITIONS_LEFT_UNSENT = 'KafkaJS left partitions unsent after a leader change';

/** Sends of the messages a send left out before giving up: each is a full KafkaJS send, with its own retries. */
const MAX_FOLLOW_UP_SENDS = 5;

/** Messages whose partition the caller chose (`PartitionRouter`). */
export type RoutedBatch = Omit<ProducerBatch, 'topicMessages'> & { topicMessages: { topic: string; messages: RoutedMessage[] }[] };

/**
 * Sends a batch and resolves only once every partition it has messages for acknowledged them.
 *
 * KafkaJS 2.2.4 remembers, for the length of one send, each broker that answered, and on a
 * retry sends only to brokers without an answer. When a partition's leadership moves between
 * two attempts onto a broker that had already answered for its other partitions, that
 * partition's messages are never sent, and the send resolves as if they had been (on a
 * 3-broker cluster whose leader was killed: a flag the detector recorded as published never
 * reached the flags topic). KafkaJS answers for each partition it wrote to, so the messages of
 * a partition missing from its answer go out again, in a send of their own, under the
 * producer `next` gives for that follow-up (1, 2, …).
 */
export async function sendToEveryPartition(producer: Producer, batch: RoutedBatch, next: (unsent: RoutedBatch['topicMessages'], followUp: number) => Promise<Producer>): Promise<RecordMetadata[]> {
  // Without acknowledgements (acks 0) there is nothing to check a send against.
  if (batch.acks === 0) return producer.sendBatch(batch);
  const acknowledged: RecordMetadata[] = [];
  let pending = batch;
  let sender = producer;
  for (let followUp = 1; ; followUp += 1) {
    const answers = await sender.sendBatch(pending);
    acknowledged.push(...answers);
    pending = { ...pending, topicMessages: unanswered(pending, answers) };
    if (pending.topicMessages.length === 0) return acknowledged;
    if (followUp > MAX_FOLLOW_UP_SENDS) throw new Error(`Kafka did not acknowledge partitions after ${MAX_FOLLOW_UP_SENDS + 1} sends: ${describeUnsent(pending.topicMessages)}`);
    sender = await next(pending.topicMessages, followUp);
  }
}

/** "flags [1, 2]; events [0]": the partitions of each topic these messages are for. */
export function describeUnsent(topicMessages: RoutedBatch['topicMessages']): string {
  return topicMessages.map(({ topic, messages }) => `${topic} [${[...new Set(messages.map((m) => m.partition))].sort((a, b) => a - b).join(', ')}]`).join('; ');
}

/** The messages of every partition the answers do not acknowledge, per topic. */
export function unanswered(batch: RoutedBatch, answers: readonly RecordMetadata[]): RoutedBatch['topicMessages'] {
  const written = new Set(answers.filter((answer) => answer.errorCode === 0).map((answer) => `${answer.topicName}\u0000${answer.partition}`));
  return batch.topicMessages
    .map(({ topic, messages }) => ({ topic, messages: messages.filter((message) => !written.has(`${topic}\u0000${message.partition}`)) }))
    .filter(({ messages }) => messages.length > 0);
}
