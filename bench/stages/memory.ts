/**
 * Stage 5 (Redis half): what the state left behind by the end-to-end run costs, from
 * MEMORY USAGE over the slice's own keys: the detector's per-payer keys divided by the payers
 * that have them, the ingest delivery memory divided by the event ids it remembers.
 */
import type { Redis } from '@backstop/redis';
import { forEachKey } from '../lib/slice';

export interface RedisMemory {
  activePayers: number;
  detectorPayerBytes: number;
  bytesPerActivePayer: number;
  rememberedEventIds: number;
  dedupeBytes: number;
  bytesPerRememberedEventId: number;
}

async function usage(redis: Redis, keys: string[]): Promise<number> {
  const pipeline = redis.pipeline();
  for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
  return ((await pipeline.exec()) ?? []).reduce((sum, [, bytes]) => sum + Number(bytes ?? 0), 0);
}

export async function measureRedisMemory(redis: Redis, prefix: string, tenantId: string): Promise<RedisMemory> {
  const payers = new Set<string>();
  let detectorPayerBytes = 0;
  await forEachKey(redis, `${prefix}:det:{${tenantId}:*`, async (keys) => {
    for (const key of keys) payers.add(key.slice(0, key.indexOf('}')));
    detectorPayerBytes += await usage(redis, keys);
  });
  let dedupeBytes = 0;
  let rememberedEventIds = 0;
  await forEachKey(redis, `${prefix}:ingest:seen:*`, async (keys) => {
    dedupeBytes += await usage(redis, keys);
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.call('HLEN', key);
    rememberedEventIds += ((await pipeline.exec()) ?? []).reduce((sum, [error, count]) => sum + (error ? 0 : Number(count)), 0);
  });
  return {
    activePayers: payers.size,
    detectorPayerBytes,
    bytesPerActivePayer: payers.size === 0 ? 0 : Math.round(detectorPayerBytes / payers.size),
    rememberedEventIds,
    dedupeBytes,
    bytesPerRememberedEventId: rememberedEventIds === 0 ? 0 : Math.round(dedupeBytes / rememberedEventIds),
  };
}
