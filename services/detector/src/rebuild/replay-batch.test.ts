import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { IngestedEvent, PaymentSnapshot } from '@backstop/contracts';
import { createRedis } from '@backstop/redis';
import type { KafkaMessage } from 'kafkajs';
import { DetectorConfig } from '../config';
import { payment } from '@backstop/detection/fixtures';
import { replayBatch } from './replay-batch';
import { createPayerStateStore, payerKeys, skuPricesKey } from '@backstop/detection';

const tenantId = 'cardshop';
let offset = 0;

function messageOf(value: string): KafkaMessage {
  offset += 1;
  return { key: null, value: Buffer.from(value), offset: String(offset), timestamp: String(Date.now()), attributes: 0, headers: {} };
}

function eventMessage({ eventId, occurredAt, ...data }: PaymentSnapshot): KafkaMessage {
  const ingested: IngestedEvent = { v: 1, tenantId, receivedAt: occurredAt, marks: [], event: { id: eventId, type: 'payment.succeeded', occurredAt, data } };
  return messageOf(JSON.stringify(ingested));
}

/** Replaying already-judged events into a real Redis through the live observe path. */
describe('replayBatch', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-replay');
  const prefix = `test-replay-${randomBytes(3).toString('hex')}`;
  const store = createPayerStateStore(redis, DetectorConfig.parse({ REDIS_KEY_PREFIX: prefix, DETECTOR_SKU_CACHE_MS: '0' }));
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });
  const newPayer = () => `u_${randomBytes(4).toString('hex')}`;

  it('puts payments and deliveries back into their windows, skips the rest, and keeps no snapshot', async () => {
    const payerId = newPayer();
    const history = [0, 3600, 7200].map((at) => payment(at, { payerId, kind: 'topup', recipientAccount: '8123456789' }));
    const delivered = messageOf(JSON.stringify({ v: 1, tenantId, receivedAt: history[0]!.occurredAt, marks: [], event: { id: 'evt_delivered', type: 'order.delivered', occurredAt: history[0]!.occurredAt, data: { orderId: 'o', payerId } } }));
    const replayed = await replayBatch([...history.map(eventMessage), delivered, messageOf('not json')], store);
    expect(replayed).toEqual({ restored: 3, known: 0, skipped: 2 });

    const keys = payerKeys(prefix, tenantId, payerId);
    expect(await redis.zcard(keys.payments('CNY'))).toBe(3);
    expect(await redis.zscore(keys.deliveries, 'o')).toBe(String(Date.parse(history[0]!.occurredAt)));
    for (const { eventId } of history) expect(await redis.hget(keys.seen, eventId)).toBe('F:[]');

    // The payer's next payment is judged against the history the replay restored.
    const next = payment(10_800, { payerId, kind: 'topup', recipientAccount: '8123456788', recipientVerified: false });
    const [observation] = await store.observe([{ tenantId, payment: next }]);
    if (observation?.kind !== 'fresh') throw new Error(`expected fresh, got ${observation?.kind}`);
    expect([...observation.snapshot.recipients.keys()]).toEqual(['8123456789']);
    expect(observation.snapshot.payments.map((p) => p.eventId)).toEqual(history.map((p) => p.eventId));
  });

  it('an event both replayed and observed live counts once, sku prices included, and raises nothing twice', async () => {
    const payerId = newPayer();
    const sku = `sku-${randomBytes(3).toString('hex')}`;
    const [liveFirst, replayedFirst] = [payment(0, { payerId, sku }), payment(60, { payerId, sku })];

    await store.observe([{ tenantId, payment: liveFirst }]);
    await store.record([{ tenantId, payment: liveFirst, stored: '[]' }]);
    expect(await replayBatch([eventMessage(liveFirst), eventMessage(replayedFirst)], store)).toEqual({ restored: 1, known: 1, skipped: 0 });
    // Redelivered to the live consumer: already judged, nothing to raise again.
    expect(await store.observe([{ tenantId, payment: replayedFirst }])).toEqual([{ kind: 'redelivered', stored: [] }]);
    expect(await replayBatch([eventMessage(liveFirst), eventMessage(replayedFirst)], store)).toEqual({ restored: 0, known: 2, skipped: 0 });

    expect(await redis.zcard(skuPricesKey(prefix, tenantId, sku, 'CNY'))).toBe(2);
    expect(await redis.zcard(payerKeys(prefix, tenantId, payerId).payments('CNY'))).toBe(2);
  });
});
