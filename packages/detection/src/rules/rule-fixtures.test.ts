import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createRedis } from '@backstop/redis';
import { PayerStateSettings } from '../state/state-settings';
import { createPayerStateStore } from '../state/create-store';
import { contextFor, payment } from './rule-fixtures';

/**
 * The rules' unit tests judge payments against `contextFor`, a TypeScript stand-in for what
 * the observe script returns. This holds the stand-in to the script: any history played
 * through the real script on a real Redis gives the very snapshot the fixture builds.
 */
describe('rule fixtures against the real observe script', () => {
  const redis = createRedis(inject('redisUrl'), 'backstop-test-fixtures');
  const prefix = `test-fixtures-${randomBytes(3).toString('hex')}`;
  const store = createPayerStateStore(redis, PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix }));
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  const step = fc.record({
    atSeconds: fc.integer({ min: 0, max: 3 * 86_400 }),
    sameOrder: fc.boolean(),
    kind: fc.constantFrom('purchase', 'topup', 'transfer'),
    category: fc.constantFrom('游戏点卡', 'skin', 'gift-card'),
    account: fc.constantFrom('8000123456', '8000123465', '6217001234'),
    amount: fc.constantFrom(600, 3000, 30_000),
    currency: fc.constantFrom('CNY', 'CNY', 'JPY'),
  });

  it('returns, for the last of any history played in order of arrival, the snapshot contextFor builds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const payerId = `u_${randomBytes(4).toString('hex')}`;
        const payments = steps.map((s, index) =>
          payment(s.atSeconds, {
            payerId, kind: s.kind, amount: s.amount, unitPrice: s.amount, currency: s.currency, recipientAccount: s.account,
            ...(s.kind === 'transfer' ? { sku: undefined, category: undefined } : { category: s.category }),
            ...(s.sameOrder && index > 0 ? { orderId: `ord_shared_${payerId}` } : {}),
          }),
        );
        const history = payments.slice(0, -1);
        const last = payments.at(-1)!;
        for (const earlier of history) {
          const [observed] = await store.observe([{ tenantId: 'cardshop', payment: earlier }]);
          await store.record([{ tenantId: 'cardshop', payment: earlier, stored: '[]' }]);
          expect(observed!.kind).toBe('fresh');
        }
        const [observed] = await store.observe([{ tenantId: 'cardshop', payment: last }]);
        if (observed!.kind !== 'fresh') throw new Error(`expected a fresh observation, got ${observed!.kind}`);
        const { sku: _scriptSku, ...fromScript } = observed!.snapshot;
        const { sku: _fixtureSku, ...fromFixture } = contextFor(last, history).before;
        expect(fromScript).toEqual(fromFixture);
      }),
      { numRuns: 60 },
    );
  });
});
