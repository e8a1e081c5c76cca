import type { Kafka } from 'kafkajs';
import { ensureTopics } from '@backstop/kafka';
import { uniqueId } from './webhooks';

/**
 * A platform's own payment record, as its payment system publishes it on its topic (the
 * example mapping of `test/support/example-mapping.ts` reads it).
 */
export function platformRecord(overrides: Record<string, unknown> = {}) {
  const no = uniqueId('n');
  return {
    eventNo: `evt_${no}`,
    paidAtMs: Date.now(),
    payment: { no: `pay_${no}`, fen: 3000, currency: 'CNY' },
    order: { no: `ord_${no}`, sku: 'genshin-welkin-30d' },
    user: { uid: 10042 },
    ...overrides,
  };
}

/** Platform topics a test publishes to, created before ingest subscribes and deleted after. */
export async function withPlatformTopics(kafka: Kafka, topics: string[], numPartitions = 1) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, topics.map((topic) => ({ topic, numPartitions })));
  } finally {
    await admin.disconnect();
  }
  return {
    async remove() {
      const cleaner = kafka.admin();
      await cleaner.connect();
      await cleaner.deleteTopics({ topics }).catch(() => undefined);
      await cleaner.disconnect();
    },
  };
}
