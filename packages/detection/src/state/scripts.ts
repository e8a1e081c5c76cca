import { readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { Redis } from '@backstop/redis';
import type { ObservePaymentArgs } from './observe-args';
import type { ReadPayerArgs } from './read-payer-args';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    observePayment(...args: ObservePaymentArgs): Result<[0, string, string] | [1, string] | [2], Context>;
    /** `scoredMembers`: occurredAt (ms) and "<unit price>:<payment id>", a pair per payment. */
    addSkuPrices(pricesKey: string, cap: number, ttlSeconds: number, ...scoredMembers: (string | number)[]): Result<number, Context>;
    observeDelivery(seenKey: string, deliveriesKey: string, orderId: string, deliveredAtMs: number, orderHorizonMs: number, orderCap: number, ttlSeconds: number, expectedVersion: string): Result<[changed: number, current: number], Context>;
    recordFlags(...args: string[]): Result<number, Context>;
    extendLock(key: string, token: string, leaseMs: number): Result<number, Context>;
    releaseLock(key: string, token: string): Result<number, Context>;
    replaceStatus(sentinelKey: string, expectedStatus: string, newStatus: string): Result<number, Context>;
    readPayer(...args: ReadPayerArgs): Result<string, Context>;
  }
}

const lua = (name: string) => readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');

/** Registered once per client; ioredis reloads them by EVAL if Redis restarted and lost its script cache. */
export function defineDetectorScripts(redis: Redis): void {
  redis.defineCommand('observePayment', { numberOfKeys: 8, lua: lua('observe-payment-8') });
  redis.defineCommand('addSkuPrices', { numberOfKeys: 1, lua: lua('add-sku-prices-1') });
  redis.defineCommand('observeDelivery', { numberOfKeys: 2, lua: lua('observe-delivery-2') });
  redis.defineCommand('recordFlags', { numberOfKeys: 2, lua: lua('record-flags-2') });
  redis.defineCommand('extendLock', { numberOfKeys: 1, lua: lua('extend-lock-1') });
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: lua('release-lock-1') });
  redis.defineCommand('replaceStatus', { numberOfKeys: 1, lua: lua('replace-status-1') });
  // Read-only (the script says so to Redis too), so a cluster client may send it to a replica.
  redis.defineCommand('readPayer', { numberOfKeys: 6, lua: lua('read-payer-6'), readOnly: true });
}
