import { z } from 'zod';
import type { KafkaMessage, Producer } from 'kafkajs';
import { ACKS_ALL } from './producer';

/** A message no consumer could use, kept with its original bytes so it can be replayed after a fix. */
export const DeadLetter = z.strictObject({
  v: z.literal(1),
  sourceTopic: z.string(),
  sourcePartition: z.int(),
  sourceOffset: z.string(),
  consumer: z.string(),
  reason: z.string(),
  failedAt: z.string(),
  keyBase64: z.string().nullable(),
  valueBase64: z.string().nullable(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export function deadLetterFor(
  message: KafkaMessage,
  source: { topic: string; partition: number },
  consumer: string,
  reason: string,
): DeadLetter {
  return {
    v: 1,
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: message.offset,
    consumer,
    reason: reason.slice(0, 2000),
    failedAt: new Date().toISOString(),
    keyBase64: message.key ? message.key.toString('base64') : null,
    valueBase64: message.value ? message.value.toString('base64') : null,
  };
}

export async function sendDeadLetters(producer: Producer, topic: string, letters: DeadLetter[]): Promise<void> {
  if (letters.length === 0) return;
  await producer.send({
    topic,
    acks: ACKS_ALL,
    messages: letters.map((letter) => ({
      key: `${letter.sourceTopic}:${letter.sourcePartition}:${letter.sourceOffset}`,
      value: JSON.stringify(letter),
    })),
  });
}
