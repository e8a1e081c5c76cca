import { describe, expect, it } from 'vitest';
import type { Logger } from '@backstop/logging';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { ACKS_ALL, createIdempotentProducer } from './producer';
import { readToEnd } from './read-to-end';

/** The producer's warnings, as its logger received them. */
function warningsLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (_fields: unknown, message: string) => void warnings.push(message) } as unknown as Logger };
}

describe('the producer choosing partitions before it sends, on a real broker', () => {
  const scratch = scratchTopic('producer-routing', 3);

  it('fails a send whose topic it cannot read without replacing the producer, and sends the next one', async () => {
    const { warnings, logger } = warningsLogger();
    const producer = createIdempotentProducer(scratch.kafka, logger);
    await producer.connect();
    try {
      await expect(producer.send({ topic: `${scratch.topic}-absent`, acks: ACKS_ALL, messages: [{ key: 'payer', value: 'lost' }] })).rejects.toThrow();
      const answers = await producer.send({ topic: scratch.topic, acks: ACKS_ALL, messages: [{ key: 'payer', value: 'kept' }] });
      expect(answers.map((answer) => answer.errorCode)).toEqual([0]);
      expect(warnings.filter((message) => message.includes('producer replaced'))).toEqual([]);
    } finally {
      await producer.disconnect();
    }
  });

  it('refuses sends once disconnected, and sends again once connected again', async () => {
    const producer = createIdempotentProducer(scratch.kafka);
    await producer.connect();
    await producer.send({ topic: scratch.topic, acks: ACKS_ALL, messages: [{ key: 'payer', value: 'before' }] });
    await producer.disconnect();
    await expect(producer.send({ topic: scratch.topic, acks: ACKS_ALL, messages: [{ key: 'payer', value: 'while away' }] })).rejects.toThrow('The producer is disconnected');
    await producer.connect();
    await producer.send({ topic: scratch.topic, acks: ACKS_ALL, messages: [{ key: 'payer', value: 'after' }] });
    await producer.disconnect();

    const values: string[] = [];
    await readToEnd(scratch.kafka, scratch.topic, (value) => values.push(value!));
    expect(values).toContain('before');
    expect(values).toContain('after');
    expect(values).not.toContain('while away');
  });
});
