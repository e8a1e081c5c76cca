import { describe, expect, it } from 'vitest';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { ACKS_ALL, createIdempotentProducer } from './producer';
import { readToEnd } from './read-to-end';
import { ensureTopics } from './topics';

describe('readToEnd on a real broker', () => {
  const scratch = scratchTopic('read-to-end', 3);

  it('visits every message of every partition the topic held when called, and nothing sent after', async () => {
    const { kafka, topic } = scratch;
    // Idempotent: a fresh partition may answer "not the leader" to a write it then keeps.
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic, acks: ACKS_ALL, messages: sent });
    const read: { value: string | undefined; partition: number }[] = [];
    await readToEnd(kafka, topic, (value, partition) => read.push({ value, partition }));
    await producer.send({ topic, acks: ACKS_ALL, messages: [{ key: 'later', value: 'later' }] });
    await producer.disconnect();

    expect(new Set(read.map((message) => message.partition)).size).toBeGreaterThan(1);
    expect(read.map((message) => message.value).sort()).toEqual(sent.map((message) => message.value).sort());
  });

  it('returns at once for a topic that holds nothing', async () => {
    const { kafka, admin } = scratch;
    const empty = `${scratch.topic}-empty`;
    await ensureTopics(admin, [{ topic: empty, numPartitions: 2 }]);
    const read: (string | undefined)[] = [];
    await readToEnd(kafka, empty, (value) => read.push(value));
    await admin.deleteTopics({ topics: [empty] });
    expect(read).toEqual([]);
  });
});
