import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Flag, WebhookEvent } from '@backstop/contracts';
import { createRedis, deleteMatching, type Redis } from '@backstop/redis';
import { eventMessages, generateTraffic, Random } from '@backstop/testkit';
import { seedForFile } from '@backstop/testkit/file-seed';
import { detectBatch } from '../detect-batch';
import { fixedRulesConfig } from '../policy/tenant-rules';
import { createPayerStateStore } from './create-store';
import { payerKeys } from './keys';
import { parseSnapshot, type PayerStateStore } from './payer-state';
import { readPayerArgs } from './read-payer-args';
import { defineDetectorScripts } from './scripts';
import { PayerStateSettings } from './state-settings';
import type { StoredFlags } from './stored-flags';

/**
 * Judging a payment from the detector's own copy of its payer must be indistinguishable from
 * reading the state back from Redis: the same flags, byte for byte, and the same state left
 * behind. Seeded labelled traffic made harder for a copy than real traffic is: events arrive
 * late, some payers switch currency, some payments are reported again under a new event id,
 * some deliveries twice at different times, webhook retries repeat event ids, some events come
 * again after their ids were forgotten, caps and horizons are small enough that every trim
 * runs, and batches have random sizes. Three runs on one Redis: no copies; copies; and copies under eviction
 * pressure, with two detector instances taking turns on the same payers (a rebalance), so
 * every copy is sometimes out of date.
 */
describe('judging from the detector’s own copy of a payer', () => {
  let redis: Redis;
  const tenantId = 'copyshop';
  const { seed } = seedForFile();
  const run = `jd${randomBytes(3).toString('hex')}`;
  const now = () => new Date('2026-12-01T00:00:00Z');

  beforeAll(() => {
    redis = createRedis(inject('redisUrl'), 'judged-ahead-test');
    defineDetectorScripts(redis);
  });

  afterAll(async () => {
    await deleteMatching(redis, `${run}*`);
    await redis.quit();
  });

  /** The labelled traffic, perturbed the same way for every run. */
  function hardTraffic(): WebhookEvent[] {
    const random = new Random(seed ^ 0x636f7079);
    const events = generateTraffic({ seed, payers: 80, startMs: Date.parse('2026-11-01T00:00:00Z') }).map(({ event }) => structuredClone(event));
    const switched = new Set(events.filter(() => random.chance(0.05)).map((event) => event.data.payerId));
    let usdLeft = 0;
    for (const event of events) {
      if (event.type !== 'payment.succeeded') continue;
      // A payer paying a few times in another currency, then back.
      if (switched.has(event.data.payerId) && random.chance(0.2)) usdLeft = 3;
      if (usdLeft > 0 && switched.has(event.data.payerId)) {
        event.data.currency = 'USD';
        usdLeft -= 1;
      }
    }
    // Reported twice at the same instant, the second report first half the time: members
    // tied on time are ordered by their bytes, as Redis orders them.
    const reported = events.flatMap((event) => {
      if (event.type !== 'payment.succeeded' || !random.chance(0.04)) return [event];
      const again = { ...structuredClone(event), id: `${event.id}_again` };
      return random.chance(0.5) ? [again, event] : [event, again];
    });
    // A delivery reported again later, with a later time: the earliest stands.
    for (const event of [...reported]) {
      if (event.type === 'order.delivered' && random.chance(0.1)) {
        const later = { ...structuredClone(event), id: `${event.id}_later`, occurredAt: new Date(Date.parse(event.occurredAt) + random.int(1, 600_000)).toISOString() };
        reported.splice(Math.min(reported.length, reported.indexOf(event) + random.int(1, 40)), 0, later);
      }
    }
    // An event delivered again long after its payer's state forgot its id (a small seen cap):
    // recorded again, as Redis records a member it already holds.
    for (const event of reported.filter(() => random.chance(0.03))) {
      reported.splice(Math.min(reported.length, reported.indexOf(event) + random.int(100, 400)), 0, event);
    }
    // Late arrivals: a few events held back behind some later ones.
    for (let i = reported.length - 1; i > 0; i -= 1) {
      if (!random.chance(0.06)) continue;
      const to = Math.min(reported.length - 1, i + random.int(1, 30));
      const [held] = reported.splice(i, 1);
      reported.splice(to, 0, held!);
    }
    return reported;
  }

  const settings = (prefix: string, copyPayments: number) =>
    PayerStateSettings.parse({
      REDIS_KEY_PREFIX: prefix,
      DETECTOR_SKU_CACHE_MS: '0',
      DETECTOR_HISTORY_CAP: '8',
      DETECTOR_ORDER_CAP: '3',
      DETECTOR_RECIPIENT_CAP: '3',
      DETECTOR_CATEGORY_CAP: '1',
      DETECTOR_HISTORY_DAYS: '2',
      DETECTOR_SEEN_CAP: '4',
      DETECTOR_ORDER_DAYS: '3',
      DETECTOR_STATE_COPY_PAYMENTS: String(copyPayments),
    });

  /** Every flag the traffic raises, with `stores` taking turns batch by batch as `turn` says. */
  async function flagsWith(
    events: readonly WebhookEvent[],
    prefix: string,
    stores: PayerStateStore<StoredFlags>[],
    turn: (batch: number) => number,
  ): Promise<Flag[]> {
    const random = new Random(seed ^ 0x62617463);
    const flags: Flag[] = [];
    for (let from = 0, batch = 0; from < events.length; batch += 1) {
      const size = random.int(1, 120);
      const store = stores[turn(batch)]!;
      const messages = eventMessages(tenantId, events.slice(from, from + size), from);
      const outcome = await detectBatch([{ messages, source: { topic: 'events', partition: 0 } }], { store, rulesConfig: fixedRulesConfig(), allowedLatenessMs: 300_000, now });
      await store.record(outcome.records);
      flags.push(...outcome.flags);
      await expectCopiesExact(store, prefix, events.slice(from, from + size), batch);
      from += size;
    }
    return flags;
  }

  /**
   * Every copy the store kept of the batch's payers against Redis itself: the snapshot the
   * copy gives before a next payment equals the one read-payer-6.lua reads, for the payment's
   * own order and for a new one. A copy that drifts is caught here even when no flag shows it.
   */
  async function expectCopiesExact(store: PayerStateStore<StoredFlags>, prefix: string, batch: readonly WebhookEvent[], number: number): Promise<void> {
    for (const event of batch) {
      if (event.type !== 'payment.succeeded') continue;
      const copy = store.copyOf(tenantId, event.data.payerId);
      if (!copy) continue;
      for (const orderId of [event.data.orderId, 'ord_not_yet_paid']) {
        const next = { eventId: 'evt_probe', ...event.data, orderId, currency: copy.currency, quantity: event.data.quantity ?? 1, occurredAt: event.occurredAt };
        const keys = payerKeys(prefix, tenantId, event.data.payerId);
        const read = parseSnapshot(await redis.readPayer(...readPayerArgs(prefix, tenantId, next)), event.data.payerId);
        const held = copy.before(next, undefined);
        const comparable = (s: typeof read) => ({ ...s, recipients: [...s.recipients], categories: [...s.categories], deliveries: [...s.deliveries], firstInCategory: [...s.firstInCategory] });
        // A copy knows only the orders it saw, and forgets them by the cap among those alone:
        // where it and Redis disagree on whether the order exists, the script sees the lengths
        // differ and reads the state afresh, so only agreeing orders must match.
        if (copy.expectation(orderId).orderLength > 0 === read.order.length > 0) {
          const where = `seed ${seed}, batch ${number}, payer ${event.data.payerId}, order ${orderId}`;
          expect(comparable(held), where).toEqual(comparable(read));
          // What the script compares: the order's json as many bytes as Redis holds.
          const stored = await redis.hget(keys.orders, orderId);
          expect(copy.expectation(orderId).orderLength, where).toBe(stored === null ? 0 : Buffer.byteLength(stored));
        }
      }
    }
  }

  /** The state under `prefix`, key names without it, versions and renewal times left out. */
  async function stateUnder(prefix: string): Promise<Record<string, unknown>> {
    const keys = (await redis.keys(`${prefix}:*`)).filter((key) => !key.includes(':det:sku:')).sort();
    const state: Record<string, unknown> = {};
    for (const key of keys) {
      const type = await redis.type(key);
      const name = key.slice(prefix.length);
      if (type === 'hash') {
        state[name] = Object.entries(await redis.hgetall(key)).filter(([field]) => field !== '#version' && field !== '#expiry').sort();
      } else if (type === 'zset') {
        state[name] = await redis.zrange(key, 0, -1, 'WITHSCORES');
      }
    }
    return state;
  }

  it('gives the same flags and leaves the same state as reading the state back every time', async () => {
    const events = hardTraffic();
    const read = createPayerStateStore(redis, settings(`${run}a`, 0));
    const copied = createPayerStateStore(redis, settings(`${run}b`, 200_000));
    const first = createPayerStateStore(redis, settings(`${run}c`, 400));
    const second = createPayerStateStore(redis, settings(`${run}c`, 400));

    const expected = await flagsWith(events, `${run}a`, [read], () => 0);
    const fromCopies = await flagsWith(events, `${run}b`, [copied], () => 0);
    const turns = new Random(seed ^ 0x7475726e);
    const handedOver = await flagsWith(events, `${run}c`, [first, second], () => (turns.chance(0.3) ? 1 : 0));

    expect(expected.length, `seed ${seed}: the traffic raises flags`).toBeGreaterThan(10);
    expect(fromCopies, `seed ${seed}`).toEqual(expected);
    expect(handedOver, `seed ${seed}`).toEqual(expected);
    const state = await stateUnder(`${run}a`);
    expect(await stateUnder(`${run}b`), `seed ${seed}`).toEqual(state);
    expect(await stateUnder(`${run}c`), `seed ${seed}`).toEqual(state);

    // Each path really ran: most payments judged from a copy where one instance has every
    // payer (each payer's first batch is read, and so is every payer's batch after a currency
    // switch or a retried event), and both paths where two instances take turns and copies
    // are evicted.
    expect(read.judgedAhead, `seed ${seed}`).toBe(0);
    expect(copied.judgedAhead, `seed ${seed}: judged ahead ${copied.judgedAhead}, read back ${copied.readBack}`).toBeGreaterThan(copied.readBack);
    expect(first.judgedAhead + second.judgedAhead, `seed ${seed}`).toBeGreaterThan(0);
    expect(first.outOfDate + second.outOfDate, `seed ${seed}: copies found out of date`).toBeGreaterThan(0);
  }, 120_000);
});
