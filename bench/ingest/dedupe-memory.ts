/**
 * `npm run bench:dedupe-memory`: what one remembered event id costs in Redis.
 *
 * Fills the delivery memory with N accepted ids for one tenant under a throwaway key prefix,
 * sums `MEMORY USAGE` over its keys, and compares with the naive layout (one key per id with
 * a TTL). Everything it wrote is deleted afterwards. Never flushes anything else.
 *
 *   IDS=200000 SHARDS=4096,256 npx tsx bench/ingest/dedupe-memory.ts
 */
import { randomBytes } from 'node:crypto';
import { createRedis, deleteMatching, forEachKey, type Redis } from '@backstop/redis';
import { DeliveryMemory } from '../../services/ingest/src/delivery-memory';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const ids = Number(process.env.IDS ?? 200_000);
const shardCounts = (process.env.SHARDS ?? '4096,256').split(',').map(Number);
const chunk = 2_000;

async function measure(redis: Redis, prefix: string): Promise<{ keys: number; bytes: number }> {
  let keys = 0;
  let bytes = 0;
  await forEachKey(redis, `${prefix}:*`, async (batch) => {
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    for (const [, usage] of (await pipeline.exec()) ?? []) bytes += Number(usage ?? 0);
    keys += batch.length;
  });
  return { keys, bytes };
}

function drop(redis: Redis, prefix: string): Promise<void> {
  return deleteMatching(redis, `${prefix}:*`).then(() => undefined);
}

const eventId = (n: number) => `evt_${n.toString(36).padStart(8, '0')}_${'x'.repeat(20)}`;

async function compactLayout(redis: Redis, shards: number): Promise<void> {
  const prefix = `bench-dedupe-${randomBytes(4).toString('hex')}`;
  const memory = new DeliveryMemory(redis, { keyPrefix: prefix, windowSeconds: 86_400, shards });
  const now = Date.now();
  try {
    for (let start = 0; start < ids; start += chunk) {
      const items = Array.from({ length: Math.min(chunk, ids - start) }, (_, i) => ({ eventId: eventId(start + i), fingerprint: randomBytes(12).toString('base64url') }));
      const claims = await memory.claim('bench', items, now);
      await memory.markAccepted(claims.map(({ claim }) => ({ claim, receivedAtMs: now })));
    }
    const { keys, bytes } = await measure(redis, prefix);
    const encoding = await redis.object('ENCODING', (await redis.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 100))[1][0]!);
    console.log(`hashed ids in hash buckets, ${shards} shards: ${ids} ids in ${keys} hashes (${encoding}), ${bytes} bytes = ${(bytes / ids).toFixed(1)} bytes per id`);
  } finally {
    await drop(redis, prefix);
  }
}

async function keyPerIdLayout(redis: Redis): Promise<void> {
  const prefix = `bench-dedupe-${randomBytes(4).toString('hex')}`;
  const value = `a|${randomBytes(12).toString('base64url')}|${new Date().toISOString()}`;
  try {
    for (let start = 0; start < ids; start += chunk) {
      const pipeline = redis.pipeline();
      for (let i = start; i < Math.min(ids, start + chunk); i += 1) pipeline.set(`${prefix}:ingest:{bench}:evt:${eventId(i)}`, value, 'EX', 86_400);
      await pipeline.exec();
    }
    const { keys, bytes } = await measure(redis, prefix);
    // MEMORY USAGE leaves out the keyspace's own entry and the expires entry of every key.
    console.log(`one key per id (for comparison):   ${ids} ids in ${keys} keys, ${bytes} bytes = ${(bytes / ids).toFixed(1)} bytes per id, plus ~40 bytes of dict and expiry entries per key`);
  } finally {
    await drop(redis, prefix);
  }
}

const redis = createRedis(redisUrl, 'bench-dedupe-memory');
try {
  for (const shards of shardCounts) await compactLayout(redis, shards);
  await keyPerIdLayout(redis);
} finally {
  await redis.quit();
}
