import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, ensureTopics } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { readTopicToEnd } from './topic-reader';

describe('readTopicToEnd on a real broker', () => {
  const topic = `topic-reader-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = createKafka(inject('kafkaBrokers'), 'topic-reader-test', createLogger('test', 'warn'));
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 3 }]);
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('returns every message of every partition the topic held when called, and nothing sent after', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await producer.send({ topic, messages: sent });
    const read = await readTopicToEnd(kafka, topic);
    await producer.send({ topic, messages: [{ key: 'later', value: 'later' }] });
    await producer.disconnect();

    expect(new Set(read.map((message) => message.partition)).size).toBeGreaterThan(1);
    expect(read.map((message) => message.value).sort()).toEqual(sent.map((message) => message.value).sort());
  });
});
