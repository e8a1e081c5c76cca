import { partitionKey, type IngestedEvent, type Flag, type WebhookEvent } from '@backstop/contracts';
import { ACKS_ALL } from '@backstop/kafka';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';

export async function publishFlags(producer: Producer, topic: string, flags: readonly Flag[]): Promise<void> {
  await producer.send({ topic, messages: flags.map((flag) => ({ key: `${flag.tenantId}:${flag.payment.payerId}`, value: JSON.stringify(flag) })) });
}

/** Publishes platform events as ingest would, wrapped and keyed by tenant:payer. */
export async function publishEvents(
  producer: Producer, topic: string, tenantId: string, events: readonly WebhookEvent[],
  // A paced sender stamps a whole tick with the moment it went out, as latency is measured from receivedAt.
  receivedAt?: Date,
): Promise<void> {
  await producer.send({
    topic,
    acks: ACKS_ALL,
    messages: events.map((event) => {
      const wrapped: IngestedEvent = { v: 1, tenantId, receivedAt: (receivedAt ?? new Date()).toISOString(), marks: [], event };
      return { key: partitionKey(tenantId, event.data.payerId), value: JSON.stringify(wrapped) };
    }),
  });
}

/**
 * Platform events as the detector receives them from the events topic, received when they
 * occurred, at offsets from `firstOffset`: for driving the detector's core without a broker.
 */
export function eventMessages(tenantId: string, events: readonly WebhookEvent[], firstOffset: number): KafkaMessage[] {
  return events.map((event, index) => {
    const ingested: IngestedEvent = { v: 1, tenantId, receivedAt: event.occurredAt, marks: [], event };
    return {
      key: Buffer.from(partitionKey(tenantId, event.data.payerId)),
      value: Buffer.from(JSON.stringify(ingested)),
      offset: String(firstOffset + index),
      timestamp: String(Date.parse(event.occurredAt)),
      attributes: 0,
      headers: {},
    } as KafkaMessage;
  });
}

/** True once the group has committed offsets up to the end of every partition of the topic. */
export async function groupCaughtUp(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const byPartition = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    return ends.every((end) => BigInt(end.high) === 0n || (byPartition.get(end.partition) ?? -1n) >= BigInt(end.high));
  } finally {
    await admin.disconnect();
  }
}
