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
