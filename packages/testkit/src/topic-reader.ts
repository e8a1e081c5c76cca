import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';

export interface ReadMessage {
  key: string | null;
  value: string;
  /** The value's exact bytes, for messages that are not text. */
  valueBytes: Buffer | null;
  partition: number;
  offset: string;
}

/**
 * Reads a topic from its beginning with a throwaway consumer group and keeps every message,
 * so a test can look at exactly what reached Kafka.
 */
export async function readTopic(kafka: Kafka, topic: string): Promise<{ messages: ReadMessage[]; stop: () => Promise<void> }> {
  const messages: ReadMessage[] = [];
  const consumer: Consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      messages.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', valueBytes: message.value, partition, offset: message.offset });
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/**
 * Every message the topic held when called, read from its beginning; fails after `timeoutMs`
 * if they did not all arrive, naming how many did.
 */
export async function readTopicToEnd(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let held: number;
  try {
    held = (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
  const reader = await readTopic(kafka, topic);
  try {
    const deadline = Date.now() + timeoutMs;
    while (reader.messages.length < held) {
      if (Date.now() > deadline) throw new Error(`read ${reader.messages.length} of the ${held} messages ${topic} held within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return reader.messages;
  } finally {
    await reader.stop();
  }
}
