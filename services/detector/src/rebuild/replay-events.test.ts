import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { partitionKey, type IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import { ACKS_ALL, createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { DetectorConfig } from '../config';
import { payment } from '@backstop/detection/fixtures';
import { planEventsReplay, replayRanges } from './replay-events';
import { offsetsIn } from './replay-plan';
import { replayTotals } from './replay-totals';
import { createPayerStateStore, payerKeys } from '@backstop/detection';

const tenantId = 'cardshop';
const dayMs = 86_400_000;

/** A replay on a real broker into a real Redis: which events it reads, and that it cleans up after itself. */
describe('replaying the events topic', () => {
  const id = `test-replay-${randomBytes(3).toString('hex')}`;
  const topic = `${id}.payments.events.v1`;
  const groupId = `${id}.backstop-detector`;
  const logger = createLogger('test', 'warn');
  const redis = createRedis(inject('redisUrl'), 'backstop-test-replay-events');
  const store = createPayerStateStore(redis, DetectorConfig.parse({ REDIS_KEY_PREFIX: id }));
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    kafka = createKafka(inject('kafkaBrokers'), id, logger);
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.deleteGroups([groupId]).catch(() => undefined);
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    const keys = await redis.keys(`${id}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** Publishes as ingest does, with the time Kafka records for each message. */
  async function publish(payments: PaymentSnapshot[], writtenAtMs: number): Promise<void> {
    await producer.send({
      topic,
      acks: ACKS_ALL,
      messages: payments.map(({ eventId, occurredAt, ...data }) => {
        const ingested: IngestedEvent = { v: 1, tenantId, receivedAt: occurredAt, marks: [], event: { id: eventId, type: 'payment.succeeded', occurredAt, data } };
        return { key: partitionKey(tenantId, data.payerId), value: JSON.stringify(ingested), timestamp: String(writtenAtMs) };
      }),
    });
  }

  it('replays what the detector group judged since the lookback, and nothing it has yet to judge', async () => {
    const payers = Array.from({ length: 6 }, () => `u_${randomBytes(4).toString('hex')}`);
    const old = payers.map((payerId) => payment(0, { payerId }));
    const judged = payers.flatMap((payerId) => [600, 1200, 1800].map((at) => payment(at, { payerId })));
    const unjudged = payers.map((payerId) => payment(2400, { payerId }));
    await publish(old, Date.now() - 10 * dayMs);
    await publish(judged, Date.now());
    // The live detector has judged (committed) everything so far.
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
    await publish(unjudged, Date.now());

    const { partitions, ranges } = await planEventsReplay({ kafka, topic, groupId }, Date.now() - 5 * dayMs);
    expect(partitions).toBe(3);
    expect(offsetsIn(ranges)).toBe(BigInt(judged.length));

    const { totals, add } = replayTotals();
    const outcome = await replayRanges({ kafka, topic, groupId, ranges, store, logger, signal: new AbortController().signal, onBatch: add });
    expect(outcome).toBe('finished');
    expect(totals).toEqual({ restored: judged.length, known: 0, skipped: 0 });
    for (const payerId of payers) {
      const stored = await redis.zrange(payerKeys(id, tenantId, payerId).payments('CNY'), 0, -1);
      const expected = judged.filter((p) => p.payerId === payerId).map((p) => p.eventId);
      expect(stored.map((json) => (JSON.parse(json) as { e: string }).e).sort()).toEqual(expected.sort());
    }
    const { groups } = await admin.listGroups();
    expect(groups.filter((group) => group.groupId.startsWith(`${groupId}.rebuild.`))).toEqual([]);
  });

  it('stops when told to, and still removes its group', async () => {
    const abort = new AbortController();
    // Ranges past the end of every partition: the replay would never finish on its own.
    const ranges = [0, 1, 2].map((partition) => ({ partition, from: 0n, to: 1_000_000n }));
    const replaying = replayRanges({ kafka, topic, groupId, ranges, store, logger, signal: abort.signal, onBatch: () => abort.abort() });
    expect(await replaying).toBe('abandoned');
    const { groups } = await admin.listGroups();
    expect(groups.filter((group) => group.groupId.startsWith(`${groupId}.rebuild.`))).toEqual([]);
  });
});
