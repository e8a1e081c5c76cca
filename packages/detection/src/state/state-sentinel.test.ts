import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import calculateSlot from 'cluster-key-slot';
import type { Flag } from '@backstop/contracts';
import { createRedis, SlotRanges } from '@backstop/redis';
import { payerKeys, skuPricesKey, stateSentinelKey } from './keys';
import { defineDetectorScripts } from './scripts';
import { StateSentinel } from './state-sentinel';
import type { StateStatus } from './state-status';

describe('StateSentinel', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-sentinel');
  defineDetectorScripts(redis);
  const prefixes: string[] = [];
  const newPrefix = () => {
    const prefix = `test-sentinel-${randomUUID().slice(0, 8)}`;
    prefixes.push(prefix);
    return prefix;
  };
  afterAll(async () => {
    await redis.del(...prefixes.map(stateSentinelKey));
    await redis.quit();
  });

  it('a first start is complete; a lost key opens one rebuild, shared by every instance, until it is marked rebuilt', async () => {
    const prefix = newPrefix();
    const lost: StateStatus[] = [];
    const first = new StateSentinel(redis, prefix, 60_000, (status) => lost.push(status));
    const second = new StateSentinel(redis, prefix, 60_000, (status) => lost.push(status));
    await first.arm(1_000, false);
    await second.arm(1_500, true);
    expect(await first.rebuilding(2_000)).toBe(false);
    expect(await second.rebuilding(2_000)).toBe(false);

    await redis.del(stateSentinelKey(prefix));
    expect(await first.rebuilding(10_000)).toBe(true);
    expect(await second.rebuilding(20_000)).toBe(true);
    expect(lost).toEqual([{ state: 'rebuilding', lostAtMs: 10_000, episode: expect.any(String) }]);

    const reading = await second.read(30_000);
    expect(await second.markRebuilt(reading, 30_000)).toBe(true);
    expect(await first.rebuilding(30_001)).toBe(false);
    expect((await first.read(30_001)).status).toEqual({ state: 'complete', sinceMs: 30_000 });
  });

  it('stops marking flags after the bound even if no rebuild finished', async () => {
    const sentinel = new StateSentinel(redis, newPrefix(), 60_000);
    await sentinel.arm(1_000, true);
    expect(await sentinel.rebuilding(60_999)).toBe(true);
    expect(await sentinel.rebuilding(61_000)).toBe(false);
  });

  it('a rebuild of an earlier loss cannot mark a later one done', async () => {
    const prefix = newPrefix();
    const sentinel = new StateSentinel(redis, prefix, 60_000);
    await sentinel.arm(1_000, true);
    const earlier = await sentinel.read(2_000);

    await redis.del(stateSentinelKey(prefix));
    expect(await sentinel.markRebuilt(earlier, 3_000)).toBe(false);
    const later = await sentinel.read(4_000);
    expect(later.status).toMatchObject({ state: 'rebuilding', lostAtMs: 4_000 });
    expect(await sentinel.markRebuilt(earlier, 5_000)).toBe(false);
    expect(await sentinel.rebuilding(5_000)).toBe(true);
    expect(await sentinel.markRebuilt(later, 6_000)).toBe(true);
    expect(await sentinel.rebuilding(6_000)).toBe(false);
  });

  describe('a loss of some Redis Cluster slots', () => {
    const tenantId = 'cardshop';
    const payerSlot = (prefix: string, payerId: string) => calculateSlot(payerKeys(prefix, tenantId, payerId).seen);
    // What covers() reads of a flag: its tenant and its payment's payer, sku and currency.
    const flagOf = (payerId: string, sku?: string) => ({ tenantId, payment: { payerId, currency: 'CNY', ...(sku ? { sku } : {}) } }) as unknown as Pick<Flag, 'tenantId' | 'payment'>;
    /** Payers whose keys lie in different slots, so one can be lost without the other. */
    const twoPayers = (prefix: string) => {
      const first = 'u_1001';
      let n = 1002;
      while (payerSlot(prefix, `u_${n}`) === payerSlot(prefix, first)) n += 1;
      return [first, `u_${n}`] as const;
    };

    it('marks the flags of payers whose keys, or whose sku prices, lie in the lost slots, and no others', async () => {
      const prefix = newPrefix();
      const sentinel = new StateSentinel(redis, prefix, 60_000);
      await sentinel.arm(1_000, false);
      const [lostPayer, intactPayer] = twoPayers(prefix);
      await sentinel.declareLost(2_000, SlotRanges.of([payerSlot(prefix, lostPayer)]).toString());

      const loss = (await sentinel.loss(3_000))!;
      expect(loss.everything).toBe(false);
      expect(loss.covers(flagOf(lostPayer))).toBe(true);
      expect(loss.covers(flagOf(intactPayer))).toBe(false);
      // The intact payer bought a sku whose price history was in a lost slot.
      const skuSlot = calculateSlot(skuPricesKey(prefix, tenantId, '腾讯Q币-100', 'CNY'));
      await sentinel.declareLost(4_000, SlotRanges.of([skuSlot]).toString());
      const widened = (await sentinel.loss(5_000))!;
      expect(widened.covers(flagOf(intactPayer, '腾讯Q币-100'))).toBe(true);
    });

    it('widens a loss still being rebuilt by the next one\'s slots; a whole loss stays whole; a loss past its bound is not carried over', async () => {
      const prefix = newPrefix();
      const sentinel = new StateSentinel(redis, prefix, 60_000);
      await sentinel.arm(1_000, false);
      await sentinel.declareLost(2_000, '0-99');
      await sentinel.declareLost(3_000, '200-299');
      expect((await sentinel.read(3_000)).status).toMatchObject({ state: 'rebuilding', lostAtMs: 3_000, slots: '0-99,200-299' });

      await redis.del(stateSentinelKey(prefix));
      expect((await sentinel.loss(4_000))!.everything).toBe(true);
      await sentinel.declareLost(5_000, '300-399');
      expect((await sentinel.loss(5_000))!.everything).toBe(true);

      // Past the bound the earlier loss marks nothing any more, and only the new slots count.
      await sentinel.declareLost(70_000, '400-499');
      expect((await sentinel.read(70_000)).status).toMatchObject({ state: 'rebuilding', lostAtMs: 70_000, slots: '400-499' });
    });

    it('two detectors declaring different slots at once both end up in one episode', async () => {
      const prefix = newPrefix();
      const [first, second] = [new StateSentinel(redis, prefix, 60_000), new StateSentinel(redis, prefix, 60_000)];
      await first.arm(1_000, false);
      await Promise.all([first.declareLost(2_000, '0-9'), second.declareLost(2_000, '10-19'), first.declareLost(2_000, '20-29')]);
      const { status } = await second.read(2_500);
      expect(status.state === 'rebuilding' && SlotRanges.parse(status.slots!).toString()).toBe('0-29');
    });
  });
});
