/**
 * How fast a rebuild replays the events topic into Redis after a loss.
 *
 * Fills a throwaway topic with N events of simulated traffic (payments, deliveries, retries),
 * lets a throwaway detector group have judged all of them, then replays the topic into an
 * empty state under a throwaway key prefix, twice: into the empty state (every payment
 * restored), and again over it (every payment already known). Deletes everything it made.
 *
 *   EVENTS=100000 PAYERS=5000 PARTITIONS=6 npx tsx bench/detector/replay-rate.ts
 */
import { randomBytes } from 'node:crypto';
import { createKafka } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import { DEFAULT_MIX, forEachKey, TrafficGenerator, publishGenerated } from '@backstop/testkit';
import { DetectorConfig } from '../../services/detector/src/config';
import { planEventsReplay, replayRanges } from '../../services/detector/src/rebuild/replay-events';
import { offsetsIn } from '../../services/detector/src/rebuild/replay-plan';
import { replayTotals } from '../../services/detector/src/rebuild/replay-totals';
import { createPayerStateStore } from '@backstop/detection';

const events = Number(process.env.EVENTS ?? 100_000);
const payers = Number(process.env.PAYERS ?? 5_000);
const partitions = Number(process.env.PARTITIONS ?? 6);
const id = `bench-replay-${randomBytes(3).toString('hex')}`;
const topic = `${id}.payments.events.v1`;
const groupId = `${id}.backstop-detector`;
const tenantId = 'bench';
const logger = createLogger('bench', 'warn');

const kafka = createKafka((process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), id, logger);
const redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', 'backstop-bench-replay');
const store = createPayerStateStore(redis, DetectorConfig.parse({ REDIS_KEY_PREFIX: id }));
const admin = kafka.admin();
await admin.connect();

async function replayOnce(label: string): Promise<void> {
  const { ranges } = await planEventsReplay({ kafka, topic, groupId }, 0);
  const { totals, add } = replayTotals();
  const started = performance.now();
  const outcome = await replayRanges({ kafka, topic, groupId, ranges, store, logger, signal: new AbortController().signal, onBatch: add });
  const seconds = (performance.now() - started) / 1000;
  const messages = Number(offsetsIn(ranges));
  console.log(`${label}: ${outcome}, ${messages} messages in ${seconds.toFixed(1)} s = ${Math.round(messages / seconds)} messages/s (restored ${totals.restored}, known ${totals.known}, skipped ${totals.skipped})`);
}

try {
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  const traffic = new TrafficGenerator({ mix: DEFAULT_MIX, payers: payers });
  await publishGenerated(producer, topic, tenantId, events, () => traffic.next().event);
  await producer.disconnect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.setOffsets({ groupId, topic, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
  console.log(`${events} events of ${payers} payers on ${partitions} partitions`);
  await replayOnce('into an empty state');
  await replayOnce('over the rebuilt state');
} finally {
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  await forEachKey(redis, `${id}:*`, async (keys) => { await redis.unlink(...keys); });
  await redis.quit();
}
