/**
 * `npx tsx bench/eval/payer-memory.ts`
 *
 * How many bytes of Redis an active payer costs: plays payers through the real state store
 * and script (as the detector does: observe, then record the flags) and sums MEMORY USAGE
 * over every key of theirs. Prints one line per profile.
 */
import { randomBytes } from 'node:crypto';
import type { PaymentSnapshot } from '@backstop/contracts';
import { createRedis, forEachKey } from '@backstop/redis';
import { DetectorConfig } from '../../services/detector/src/config';
import { createPayerStateStore } from '@backstop/detection';

const prefix = `mem${randomBytes(3).toString('hex')}`;
const config = DetectorConfig.parse({ ...process.env, REDIS_KEY_PREFIX: prefix });
const redis = createRedis(config.REDIS_URL, 'backstop-payer-memory');
const store = createPayerStateStore(redis, config);
const tenantId = 'cardshop';
const hour = 3_600_000;

interface Profile {
  name: string;
  payments: number;
  /** Event time between payments (ms). */
  spacingMs: number;
  recipients: number;
  categories: number;
}

const profiles: Profile[] = [
  { name: 'typical: 50 payments over 25 days, 2 recipients, 2 categories', payments: 50, spacingMs: 12 * hour, recipients: 2, categories: 2 },
  { name: 'busy: 200 payments over 8 days (history cap 50), 5 recipients, 4 categories', payments: 200, spacingMs: hour, recipients: 5, categories: 4 },
  { name: 'at every cap: 500 payments in 2 days, 20+ recipients, 30+ categories', payments: 500, spacingMs: 300_000, recipients: 40, categories: 40 },
];

async function keysOf(pattern: string): Promise<string[]> {
  const found: string[] = [];
  await forEachKey(redis, pattern, async (keys) => { found.push(...keys); });
  return found;
}

for (const [index, profile] of profiles.entries()) {
  const payerId = `u_memory_${index}`;
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < profile.payments; i += 1) {
    const payment: PaymentSnapshot = {
      eventId: `evt_${index}_${i}_${randomBytes(4).toString('hex')}`,
      paymentId: `pay_${index}_${i}_${randomBytes(4).toString('hex')}`,
      orderId: `ord_${index}_${i}_${randomBytes(4).toString('hex')}`,
      payerId,
      merchantId: 'm_cardshop',
      kind: 'purchase',
      sku: `sku-${i % 7}`,
      category: `category-${i % profile.categories}`,
      quantity: 1,
      unitPrice: 3000,
      amount: 3000,
      currency: 'CNY',
      recipientAccount: `80001234${String(i % profile.recipients).padStart(2, '0')}`,
      recipientVerified: true,
      channel: 'alipay',
      occurredAt: new Date(start + i * profile.spacingMs).toISOString(),
    };
    await store.observe([{ tenantId, payment }]);
    await store.record([{ tenantId, payment, stored: '[]' }]);
  }
  const keys = await keysOf(`${prefix}:det:{${tenantId}:${payerId}}:*`);
  let bytes = 0;
  const byKind = new Map<string, number>();
  for (const key of keys) {
    const usage = Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
    bytes += usage;
    const kind = key.split('}:')[1]!.split(':')[0]!;
    byKind.set(kind, (byKind.get(kind) ?? 0) + usage);
  }
  const parts = [...byKind].map(([kind, b]) => `${kind} ${b}`).join(', ');
  console.log(`${profile.name}: ${bytes} bytes in ${keys.length} keys (${parts})`);
}

const skuKeys = await keysOf(`${prefix}:det:sku:*`);
for (const key of skuKeys.slice(0, 1)) console.log(`one sku's price set (${await redis.zcard(key)} samples): ${await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')} bytes`);
const all = [...(await keysOf(`${prefix}:*`))];
if (all.length > 0) for (let i = 0; i < all.length; i += 500) await redis.del(...all.slice(i, i + 500));
await redis.quit();
