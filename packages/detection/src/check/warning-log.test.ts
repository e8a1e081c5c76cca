import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRedis, type Redis } from '@backstop/redis';
import { payerKeys } from '../state/keys';
import { confirmedWarningOf, WarningLog } from './warning-log';

describe('WarningLog on a real Redis', () => {
  let redis: Redis;
  const prefix = `test-warnings-${randomBytes(3).toString('hex')}`;
  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'backstop-test-warnings');
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('finds a warning by tenant, payer and intent, under the payer\'s hash tag, and nothing for another tenant', async () => {
    const log = new WarningLog(redis, prefix);
    const at = new Date('2026-11-30T08:00:00.000Z');
    await log.record('shop', 'u_{1}', 'int_a', ['duplicate.recent_same_order'], at, 600);
    const key = payerKeys(prefix, 'shop', 'u_{1}').warning('int_a');
    expect(key.startsWith(`${prefix}:det:{shop:u_%7B1%7D}:`)).toBe(true);
    expect(await redis.ttl(key)).toBeGreaterThan(500);
    const found = await log.find([
      { tenantId: 'shop', payerId: 'u_{1}', intentId: 'int_a' },
      { tenantId: 'other', payerId: 'u_{1}', intentId: 'int_a' },
      { tenantId: 'shop', payerId: 'u_{1}', intentId: 'int_b' },
    ]);
    expect(found).toEqual([{ at: at.toISOString(), reasons: ['duplicate.recent_same_order'] }, undefined, undefined]);
  });

  it('says whether the warning was about the flag\'s mistake', () => {
    const warning = { at: '2026-11-30T08:00:00.000Z', reasons: ['recipient.unverified_new' as const] };
    expect(confirmedWarningOf('int_a', warning, 'recipient.near_miss')).toEqual({ intentId: 'int_a', checkedAt: warning.at, reasons: ['recipient.unverified_new'], coversFlag: true });
    expect(confirmedWarningOf('int_a', warning, 'duplicate.exact').coversFlag).toBe(false);
  });
});
