import { partitionKey, type IngestedEvent, type Flag, type WebhookEvent } from '@backstop/contracts';
import { ACKS_ALL } from '@backstop/kafka';
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';

export async function publishFlags(producer: Producer, topic: string, flags: readonly Flag[]): Promise<void> {
  await producer.send({ topic, messages: flags.map((flag) => ({ key: `${flag.tenantId}:${flag.payment.payerId}`, value: JSON.stringify(flag) })) });
}

/** A platform event as ingest writes it to the events topic, received at `receivedAt`. */
export function ingested(tenantId: string, event: WebhookEvent, receivedAt = new Date()): IngestedEvent {
  return { v: 1, tenantId, receivedAt: receivedAt.toISOString(), marks: [], event };
}

/**
 * Publishes platform events as ingest would, wrapped and keyed by tenant:payer, all received
 * as the send goes out: latency is measured from receivedAt.
 */
export async function publishEvents(producer: Producer, topic: string, tenantId: string, events: readonly WebhookEvent[]): Promise<void> {
  const receivedAt = new Date();
  await producer.send({
    topic,
    acks: ACKS_ALL,
    messages: events.map((event) => ({ key: partitionKey(tenantId, event.data.payerId), value: JSON.stringify(ingested(tenantId, event, receivedAt)) })),
  });
}

/** Events per send when a topic is filled: sends of a few hundred KiB, well under the broker's message limit. */
const FILL_CHUNK = 2_000;

/**
 * Fills a topic with the next `count` events of a generator, published as ingest would in
 * sends of a few thousand, so a long run never holds them all at once.
 */
export async function publishGenerated(producer: Producer, topic: string, tenantId: string, count: number, next: () => WebhookEvent): Promise<void> {
  for (let sent = 0; sent < count; sent += FILL_CHUNK) {
    await publishEvents(producer, topic, tenantId, Array.from({ length: Math.min(FILL_CHUNK, count - sent) }, next));
  }
}

/**
 * Platform events as the detector receives them from the events topic, received when they
 * occurred, at offsets from `firstOffset`: for driving the detector's core without a broker.
 */
export function eventMessages(tenantId: string, events: readonly WebhookEvent[], firstOffset: number): KafkaMessage[] {
  return events.map((event, index): KafkaMessage => ({
    key: Buffer.from(partitionKey(tenantId, event.data.payerId)),
    value: Buffer.from(JSON.stringify(ingested(tenantId, event, new Date(event.occurredAt)))),
    offset: String(firstOffset + index),
    timestamp: String(Date.parse(event.occurredAt)),
    attributes: 0,
    headers: {},
  }));
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
