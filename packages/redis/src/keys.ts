import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis as SingleRedis } from 'ioredis';

type AnyRedis = SingleRedis | Cluster;

/**
 * The nodes whose keyspaces together hold every key: a single Redis is its own, a cluster's
 * keys are spread over its masters (a SCAN sent through the cluster client reaches only one).
 */
async function keyspaces(redis: AnyRedis): Promise<SingleRedis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  return redis.nodes('master');
}

/** Visits every key matching a pattern a page at a time, on every master of a cluster (SCAN, never KEYS). */
export async function forEachKey(redis: AnyRedis, pattern: string, visit: (keys: string[]) => Promise<void>): Promise<void> {
  for (const node of await keyspaces(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await visit(keys);
    } while (cursor !== '0');
  }
}

/**
 * Unlinks every key matching a pattern and returns how many went. On a cluster a page's keys
 * go one slot at a time, since a command's keys must share one.
 */
export async function deleteMatching(redis: AnyRedis, pattern: string): Promise<number> {
  let deleted = 0;
  await forEachKey(redis, pattern, async (keys) => {
    const groups = redis instanceof Cluster ? bySlot(keys) : [keys];
    for (const group of groups) deleted += await redis.unlink(...group);
  });
  return deleted;
}

function bySlot(keys: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = calculateSlot(key);
    const group = groups.get(slot);
    if (group) group.push(key);
    else groups.set(slot, [key]);
  }
  return [...groups.values()];
}
