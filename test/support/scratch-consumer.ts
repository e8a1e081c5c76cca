import type { Consumer } from 'kafkajs';
import type { ScratchTopic } from './scratch-topic';

/**
 * A consumer of the scratch topic in a group of its own, `<topic>-<group>`, connected and
 * subscribed from the topic's first message. The test runs it and disconnects it.
 */
export async function scratchConsumer(scratch: ScratchTopic, group: string): Promise<{ consumer: Consumer; groupId: string }> {
  const groupId = `${scratch.topic}-${group}`;
  const consumer = scratch.kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic: scratch.topic, fromBeginning: true });
  return { consumer, groupId };
}
