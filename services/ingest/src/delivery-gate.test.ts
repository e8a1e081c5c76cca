import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { deleteMatching } from '@backstop/redis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createIngestRedis } from './redis-client';
import { inFlightRetryMs } from './delivery-memory';
import { eventually } from '../../../test/support/wait';
import { DEDUPE_SLICES, DeliveryGate, sliceRun, type Bucket, type SliceClaim } from './delivery-gate';

/** The admit script on real Redis, driven with crafted keys, fields and clocks. */
describe('the delivery gate and its admit script', () => {
  const redis = createIngestRedis(inject('redisUrl'), 'delivery-gate-test', () => undefined);
  const prefix = `test-gate-${randomBytes(4).toString('hex')}`;
  const gate = DeliveryGate.of(redis);
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const timing = (nowMs: number) => ({ nowMs, holdMs: 30_000, sliceTtlSeconds: 600 });
  const bucket = (name: string, cost: number, eventsPerSecond = 1, burst = 500): Bucket => ({ key: `${prefix}:rate:{${name}}`, eventsPerSecond, burst, cost });
  const claim = (shard: string, field: Buffer, fingerprint = 'fp'): SliceClaim => ({ slice: `${prefix}:seen:{${shard}}:100`, field, fingerprint });
  // Binary hashes with the bytes a text protocol would trip on.
  const field = () => Buffer.concat([Buffer.of(0x00, 0xff, 0x7c, 0x0d, 0x0a), randomBytes(3)]);

  afterAll(async () => {
    await deleteMatching(redis, `${prefix}:*`);
    await redis.quit();
  });

  it('takes a request\'s tokens and refuses, claiming nothing, once the bucket cannot pay; it refills at its rate', async () => {
    const id = field();
    expect(await gate.admit(bucket('a', 500), [], timing(t0))).toEqual({ taken: true, claims: [] });
    expect(await gate.admit(bucket('a', 1), [claim('a', id)], timing(t0))).toEqual({ taken: false, waitMs: 1_000 });
    expect(await redis.hgetBuffer(`${prefix}:seen:{a}:100`, id)).toBeNull();
    expect(await gate.admit(bucket('a', 1), [], timing(t0 + 500))).toEqual({ taken: false, waitMs: 500 });
    expect(await gate.admit(bucket('a', 1), [claim('a', id)], timing(t0 + 1_000))).toEqual({ taken: true, claims: [{ state: 'new' }] });
    // A bucket lives as long as it takes to refill, and a second more.
    expect(await redis.pttl(`${prefix}:rate:{a}`)).toBeGreaterThan(500_000);
  });

  it('claims a new id, holds it against other deliveries, and lets one that was abandoned be claimed again', async () => {
    const id = field();
    expect((await gate.admit(undefined, [claim('b', id)], timing(t0))).taken).toBe(true);
    expect(await gate.admit(undefined, [claim('b', id, 'other')], timing(t0 + 29_999))).toEqual({
      taken: true, claims: [{ state: 'in-flight', fingerprint: 'fp', atMs: t0 }],
    });
    expect(await gate.admit(undefined, [claim('b', id)], timing(t0 + 30_001))).toEqual({ taken: true, claims: [{ state: 'new' }] });
    expect(await redis.ttl(`${prefix}:seen:{b}:100`)).toBeGreaterThan(590);
  });

  it('finds an id accepted in any of the twelve earlier slices, with the body it was accepted with, and not in older ones', async () => {
    const [id, old] = [field(), field()];
    await gate.mark(`${prefix}:seen:{c}:${100 - (DEDUPE_SLICES - 1)}`, id, `a|fp-first|${t0.toString(36)}`);
    await gate.mark(`${prefix}:seen:{c}:${100 - DEDUPE_SLICES}`, old, `a|fp|${t0.toString(36)}`);
    expect(await gate.admit(undefined, [claim('c', id, 'fp-other'), claim('c', old)], timing(t0 + 5))).toEqual({
      taken: true, claims: [{ state: 'accepted', fingerprint: 'fp-first', atMs: t0 }, { state: 'new' }],
    });
  });

  /** Every script call this test's client makes, counted on the server through MONITOR. */
  async function watchScriptCalls() {
    const address = /addr=(\S+)/.exec(String(await redis.client('INFO')))![1];
    const monitor = await new Redis(inject('redisUrl')).monitor();
    const calls: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (source.endsWith(address!) && /^eval/i.test(args[0] ?? '')) calls.push(args);
    });
    // MONITOR reports calls a moment after they ran, in order: once a marker call sent after
    // the work shows up, every call of the work before it has been seen, and no later one.
    const settled = async () => {
      const marker = `return '${randomUUID()}'`;
      await redis.eval(marker, 0);
      await eventually(async () => (calls.some((call) => call[1] === marker) ? true : undefined), { intervalMs: 10, what: 'the marker call in MONITOR' });
      calls.splice(calls.findIndex((call) => call[1] === marker), 1);
    };
    return { calls, settled, stop: () => monitor.disconnect() };
  }

  it('runs the operations of one turn in one call, in the order they were asked for', async () => {
    const { calls, settled, stop } = await watchScriptCalls();
    try {
      const ids = Array.from({ length: 20 }, field);
      const [first] = await Promise.all([gate.admit(undefined, [claim('d', ids[0]!)], timing(t0))]);
      expect(first.taken && first.claims[0]).toEqual({ state: 'new' });
      await settled();
      calls.length = 0;
      // A mark, then a retry of the marked id, a release, then a request with twenty ids (one
      // fingerprint over 255 bytes), all from one turn of the event loop.
      const long = 'x'.repeat(300);
      const [, retry, , many] = await Promise.all([
        gate.mark(`${prefix}:seen:{d}:100`, ids[0]!, `a|fp|${t0.toString(36)}`),
        gate.admit(bucket('d', 1), [claim('d', ids[0]!)], timing(t0 + 1)),
        gate.release(`${prefix}:seen:{d}:100`, ids[1]!),
        gate.admit(bucket('d', 20), ids.slice(1).map((id, i) => claim('d', id, i === 0 ? long : `fp${i}`)), timing(t0 + 2)),
      ]);
      await settled();
      expect(calls).toHaveLength(1);
      expect(retry).toEqual({ taken: true, claims: [{ state: 'accepted', fingerprint: 'fp', atMs: t0 }] });
      expect(many.taken && many.claims).toEqual(Array.from({ length: 19 }, () => ({ state: 'new' })));
      expect((await redis.hget(`${prefix}:seen:{d}:100`, ids[1]!))).toBe(`p|${long}|${(t0 + 2).toString(36)}`);
    } finally {
      stop();
    }
  });

  it('carries a mark that may wait on the next admission\'s call, before that admission\'s claims', async () => {
    const { calls, settled, stop } = await watchScriptCalls();
    try {
      const id = field();
      expect(await gate.admit(undefined, [claim('f', id)], timing(t0))).toEqual({ taken: true, claims: [{ state: 'new' }] });
      await settled();
      calls.length = 0;
      // The mark may wait a minute: only the retry's admission, a turn later, sends it.
      const marked = gate.mark(`${prefix}:seen:{f}:100`, id, `a|fp|${t0.toString(36)}`, 60_000);
      await new Promise((resolve) => setImmediate(resolve));
      const retry = await gate.admit(undefined, [claim('f', id)], timing(t0 + 1));
      await marked;
      await settled();
      expect(calls).toHaveLength(1);
      expect(retry).toEqual({ taken: true, claims: [{ state: 'accepted', fingerprint: 'fp', atMs: t0 }] });
    } finally {
      stop();
    }
  });

  it('sends a mark that may wait on its own once its wait is over, or at once when the gate is asked to settle', async () => {
    const [early, late] = [field(), field()];
    const key = `${prefix}:seen:{g}:100`;
    const marked = gate.mark(key, early, `a|fp|${t0.toString(36)}`, 50);
    await eventually(async () => ((await redis.hget(key, early)) === `a|fp|${t0.toString(36)}` ? true : undefined), { what: 'the mark sent after its wait' });
    await marked;
    void gate.mark(key, late, `a|fp|${t0.toString(36)}`, 600_000);
    await gate.settled();
    expect(await redis.hget(key, late)).toBe(`a|fp|${t0.toString(36)}`);
  });

  it('fails every operation of a call that Redis refused', async () => {
    const broken = createIngestRedis('redis://127.0.0.1:1', 'delivery-gate-test-down', () => undefined);
    try {
      const down = DeliveryGate.of(broken);
      await expect(Promise.all([down.admit(undefined, [claim('e', field())], timing(t0)), down.mark(`${prefix}:x`, field(), 'a|fp|0')])).rejects.toThrow();
    } finally {
      broken.disconnect();
    }
  });
});

describe('sliceRun', () => {
  it('names a slice and the twelve before it, current first, in its shard', () => {
    const run = sliceRun('p:ingest:seen:{shop}:7:1000');
    expect(run).toHaveLength(DEDUPE_SLICES);
    expect(run[0]).toBe('p:ingest:seen:{shop}:7:1000');
    expect(run.at(-1)).toBe(`p:ingest:seen:{shop}:7:${1000 - DEDUPE_SLICES + 1}`);
  });

  it('refuses a key that is not a slice', () => {
    expect(() => sliceRun('p:ingest:seen:{shop}:7:now')).toThrow(/not a slice key/);
  });
});

describe('inFlightRetryMs', () => {
  it('asks a retry of an id being published now back in a second, and one held by a dead delivery to wait out the hold', () => {
    expect(inFlightRetryMs(200)).toBe(1_000);
    expect(inFlightRetryMs(12_000)).toBe(18_000);
    expect(inFlightRetryMs(29_900)).toBe(1_000);
  });
});
