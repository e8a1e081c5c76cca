import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { createPayerStateStore, defineDetectorScripts, detectBatch, fixedRulesConfig, payerKeys, PayerStateSettings } from '@backstop/detection';
import { Cluster, createRedis, deleteMatching, forEachKey, type Redis } from '@backstop/redis';
import { payment as fixturePayment } from '@backstop/detection/fixtures';
import { eventMessages, generateTraffic } from '@backstop/testkit';
import { seedForFile } from '@backstop/testkit/file-seed';
import { RedisCluster } from '../../infra/cluster/redis-cluster';
import { eventually } from '../support/wait';

/**
 * The payers' state on a real Redis Cluster (3 masters, 3 replicas, private to this file):
 * each of the detector's scripts runs there with all its keys in one slot, a batch spread
 * over every master gives exactly the flags one Redis gives, a call whose keys span slots is
 * refused rather than half applied, and a master's death is survived by its promoted replica
 * with no error reaching the detector.
 */
describe('the payers state on Redis Cluster', () => {
  let nodes: RedisCluster;
  let cluster: Redis;
  let single: Redis;
  const tenantId = 'clustershop';
  const { seed } = seedForFile();
  const traffic = generateTraffic({ seed, payers: 150, startMs: Date.parse('2026-11-01T00:00:00Z') });

  beforeAll(async () => {
    nodes = await RedisCluster.start({ masters: 3, replicas: 1 });
    cluster = createRedis(nodes.url, 'cluster-state-test');
    single = createRedis(inject('redisUrl'), 'cluster-state-test-single');
  }, 120_000);

  afterAll(async () => {
    cluster?.disconnect();
    single?.disconnect();
    await nodes?.stop();
  });

  /** Runs the whole traffic through the detector's core on one client, in batches of 200. */
  async function flagsOn(redis: Redis, prefix: string): Promise<Flag[]> {
    const store = createPayerStateStore(redis, PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix, DETECTOR_SKU_CACHE_MS: '0' }));
    const flags: Flag[] = [];
    const now = () => new Date('2026-12-01T00:00:00Z');
    for (let from = 0; from < traffic.length; from += 200) {
      const messages = eventMessages(tenantId, traffic.slice(from, from + 200).map(({ event }) => event), from);
      const outcome = await detectBatch([{ messages, source: { topic: 'events', partition: 0 } }], { store, rulesConfig: fixedRulesConfig(), allowedLatenessMs: 300_000, now });
      await store.record(outcome.records);
      flags.push(...outcome.flags);
    }
    return flags;
  }

  it('gives exactly the flags one Redis gives, with the payers spread over every master', async () => {
    const prefix = `cl${randomBytes(3).toString('hex')}`;
    const onCluster = await flagsOn(cluster, prefix);
    const onOne = await flagsOn(single, prefix);
    expect(onOne.length, `seed ${seed}: the traffic plants mistakes`).toBeGreaterThan(0);
    expect(onCluster, `seed ${seed}`).toEqual(onOne);

    // Every master holds some payers: the batches really were split across nodes.
    const masters = (cluster as Cluster).nodes('master');
    const keysPerMaster = await Promise.all(masters.map(async (node) => (await node.keys(`${prefix}:*`)).length));
    expect(keysPerMaster.every((count) => count > 0), `seed ${seed}: keys per master: ${keysPerMaster.join(', ')}`).toBe(true);
    const singleKeys = await single.keys(`${prefix}:*`);
    if (singleKeys.length > 0) await single.del(...singleKeys);
  }, 180_000);

  it('refuses a script call whose keys lie in different slots, and writes nothing', async () => {
    defineDetectorScripts(cluster);
    const prefix = `cx${randomBytes(3).toString('hex')}`;
    const one = payerKeys(prefix, tenantId, 'payer-one');
    const other = payerKeys(prefix, tenantId, 'payer-two');
    const keys = [one.seen, other.seenAt, one.payments('CNY'), one.orders, one.ordersAt, one.recipients, one.categories, one.deliveries] as const;
    const limits = '1 1 1 1 1 1 1 1 1';
    await expect(
      (cluster as unknown as { observePayment: (...args: unknown[]) => Promise<unknown> }).observePayment(...keys, 'evt_1', 1, 'ord_1', '{}', '', '', 'null', Date.now(), limits),
    ).rejects.toThrow(/CROSSSLOT|same slot/);
    for (const key of [one.seen, one.payments('CNY'), other.seenAt]) expect(await cluster.exists(key)).toBe(0);
  });

  it('finds and deletes a pattern\'s keys on every master, one slot per command', async () => {
    const prefix = `keys-${randomBytes(3).toString('hex')}`;
    const keys = Array.from({ length: 300 }, (_, i) => `${prefix}:backtest:{payer-${i}}:history`);
    for (const key of keys) await cluster.set(key, '1');
    // The keys really are spread: every master holds some, so one node's SCAN would miss most.
    const masters = (cluster as Cluster).nodes('master');
    const perMaster = await Promise.all(masters.map(async (node) => (await node.keys(`${prefix}:*`)).length));
    expect(perMaster.filter((count) => count > 0)).toHaveLength(masters.length);

    const found: string[] = [];
    await forEachKey(cluster, `${prefix}:*`, async (page) => { found.push(...page); });
    expect(found.sort()).toEqual([...keys].sort());
    expect(await deleteMatching(cluster, `${prefix}:*`)).toBe(keys.length);
    for (const key of [keys[0]!, keys[150]!, keys[299]!]) expect(await cluster.exists(key)).toBe(0);
  });

  it('survives the death of a master: its replica takes over and no script error reaches the caller', async () => {
    const prefix = `fo${randomBytes(3).toString('hex')}`;
    const store = createPayerStateStore(cluster, PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix }));
    const payer = 'payer-failover';
    const payment = (n: number) => fixturePayment(n * 60, { payerId: payer });
    const first = await store.observe([{ tenantId, payment: payment(1) }]);
    expect(first[0]!.kind).toBe('fresh');

    const keySlotMaster = await nodes.masterOf(payerKeys(prefix, tenantId, payer).seen);
    await nodes.kill(keySlotMaster);
    // The replica is promoted within the node timeout; until then the store's calls wait.
    const second = await store.observe([{ tenantId, payment: payment(2) }]);
    expect(second[0]!.kind).toBe('fresh');
    await nodes.waitUntilHealthy();

    // The old master comes back as a replica of the one that replaced it.
    await nodes.restart(keySlotMaster);
    await eventually(async () => {
      const client = createRedis(`redis://127.0.0.1:${keySlotMaster}`, 'cluster-state-test-probe');
      try {
        return /role:slave/.test(await (client as unknown as { info: (section: string) => Promise<string> }).info('replication')) ? true : undefined;
      } finally {
        client.disconnect();
      }
    }, { timeoutMs: 60_000, what: 'the old master to rejoin as a replica' });
    const third = await store.observe([{ tenantId, payment: payment(3) }]);
    expect(third[0]!.kind).toBe('fresh');
  }, 180_000);
});
