import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PaymentSnapshot } from '@backstop/contracts';
import { createRedis, type Redis } from '@backstop/redis';
import { PayerStateSettings } from './state-settings';
import { defaultRulesConfig } from '@backstop/contracts';
import { evaluateRules } from '../rules';
import { payment } from '../rules/rule-fixtures';
import { msOf } from '../rules/payment-time';
import { fromCompact, type CompactPayment } from './compact-payment';
import { createPayerStateStore } from './create-store';
import { payerKeys } from './keys';
import type { PayerSnapshot } from './payer-snapshot';
import { parseSnapshot } from './payer-state';

/**
 * The snapshot as the detector reads it now (times from the sorted set's scores, in the set's
 * order, the detector's own data not validated again) against the way it was read before
 * (each payment validated, then sorted by its parsed occurredAt): the same payments in the same
 * order with the same times, and the same findings from every rule, over random histories
 * that arrive out of order and share timestamps.
 */
describe('reading the payer snapshot', () => {
  let redis: Redis;
  const prefix = `test-snapshot-${randomBytes(3).toString('hex')}`;
  const tenantId = 'cardshop';
  const config = PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix });

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'backstop-test-snapshot');
  });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  /** As payer-state read it before: parse, validate each payment, sort by parsed time. */
  function readAsBefore(json: string, payerId: string): PayerSnapshot {
    const raw = JSON.parse(json) as { newest: number; payments: CompactPayment[]; order: CompactPayment[] } & Record<string, unknown>;
    const byTime = (a: PaymentSnapshot, b: PaymentSnapshot) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
    const pairs = (flat: (string | number)[]) => new Map(Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), Number(flat[2 * i + 1])]));
    return {
      newestMs: raw.newest,
      payments: raw.payments.map((p) => fromCompact(structuredClone(p), payerId)).sort(byTime),
      firstInCategory: new Set(raw.payments.filter((p) => p.nc === 1).map((p) => p.p)),
      order: raw.order.map((p) => fromCompact(structuredClone(p), payerId)).sort(byTime),
      recipients: pairs(raw.recipients as (string | number)[]),
      categories: pairs(raw.categories as (string | number)[]),
      deliveries: pairs(raw.deliveries as (string | number)[]),
      sku: (raw.context as { sku?: PayerSnapshot['sku'] } | null)?.sku,
    };
  }

  const step = fc.record({
    // Seconds on a coarse grid, so payments share timestamps and arrive out of order.
    at: fc.integer({ min: 0, max: 40 }).map((s) => s * 15),
    category: fc.constantFrom('game-card', 'skin', 'gift'),
    sku: fc.constantFrom('welkin-30d', 'skin-pack', 'gift-100'),
    amount: fc.constantFrom(3000, 3000, 30000, 300, 6480),
    account: fc.constantFrom('8000123456', '8000123457', '8000123465', undefined),
    kind: fc.constantFrom('purchase' as const, 'purchase' as const, 'topup' as const),
    sameOrder: fc.boolean(),
  });

  it('gives the rules the same payments, times and findings as before', async () => {
    const store = createPayerStateStore(redis, config);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
        const payerId = `u_${randomBytes(4).toString('hex')}`;
        let previous: PaymentSnapshot | undefined;
        for (const s of steps) {
          const current = payment(s.at, {
            payerId, kind: s.kind, category: s.kind === 'purchase' ? s.category : undefined, sku: s.sku, amount: s.amount, unitPrice: 3000,
            recipientAccount: s.account, ...(s.sameOrder && previous ? { orderId: previous.orderId } : {}),
          });
          const [observation] = await store.observe([{ tenantId, payment: current }]);
          if (observation!.kind !== 'fresh') throw new Error('every payment is new');
          const stored = await redis.hget(payerKeys(prefix, tenantId, payerId).seen, current.eventId);
          const before = readAsBefore(stored!.slice(2), payerId);
          const now = parseSnapshot(stored!.slice(2), payerId);
          expect(now).toEqual(before);
          expect(observation!.snapshot).toEqual(before);
          expect(now.payments.map(msOf)).toEqual(before.payments.map((p) => Date.parse(p.occurredAt)));
          const context = (snapshot: PayerSnapshot) => ({ tenantId, payment: current, marks: [], before: snapshot });
          expect(JSON.stringify(evaluateRules(context(now), defaultRulesConfig))).toBe(JSON.stringify(evaluateRules(context(before), defaultRulesConfig)));
          previous = current;
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});
