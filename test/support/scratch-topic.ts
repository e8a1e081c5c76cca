import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka, ensureTopics } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';

export interface ScratchTopic {
  /** Unique to the test file's run. */
  readonly topic: string;
  readonly kafka: Kafka;
  /** Connected from before the first test to after the last. */
  readonly admin: Admin;
}

/**
 * A topic of the test file's own on the shared broker, created before its tests and deleted
 * after them. Call it in a `describe` body; the fields are set once its `beforeAll` ran.
 */
export function scratchTopic(name: string, numPartitions: number): ScratchTopic {
  const scratch = { topic: `${name}-${Date.now().toString(36)}${randomBytes(3).toString('hex')}` } as { topic: string; kafka: Kafka; admin: Admin };
  beforeAll(async () => {
    scratch.kafka = createKafka(inject('kafkaBrokers'), `${name}-test`, createLogger('test', 'warn'));
    scratch.admin = scratch.kafka.admin();
    await scratch.admin.connect();
    await ensureTopics(scratch.admin, [{ topic: scratch.topic, numPartitions }]);
  });
  afterAll(async () => {
    await scratch.admin?.deleteTopics({ topics: [scratch.topic] }).catch(() => undefined);
    await scratch.admin?.disconnect();
  });
  return scratch;
}
