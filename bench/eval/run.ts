/**
 * `npm run eval:detector -- [--seed 42] [--payers 2000] [--rate 400] [--explain]`
 *
 * Generates labelled traffic from a seed, streams it through the real detector (real Kafka
 * and Redis, isolated topics and keys, the detector running in this process) at a steady
 * rate, and prints precision and recall per rule and overall, precision by severity, the hard
 * negatives that were flagged, and the detection latency. A benchmark report, not a test.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Flag, topicName } from '@backstop/contracts';
import { createIdempotentProducer, createKafka, ensureTopics } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import { backstopTopics } from '../../infra/kafka/topics';
import { DetectorConfig } from '../../services/detector/src/config';
import { createDetector } from '../../services/detector/src/detector';
import { printReport, score } from './score';
import { forEachKey, generateTraffic, publishEvents, readTopic } from '@backstop/testkit';
import { fixedRulesConfig, rules, createPayerStateStore } from '@backstop/detection';

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '42' },
    payers: { type: 'string', default: '2000' },
    rate: { type: 'string', default: '400' },
    /** Also print every wrong flag and every missed label. */
    explain: { type: 'boolean', default: false },
  },
});
const seed = Number(args.seed);
const rate = Number(args.rate);
const tenantId = 'evalshop';
const runId = `eval${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
const config = DetectorConfig.parse({ ...process.env, KAFKA_TOPIC_PREFIX: `${runId}.`, REDIS_KEY_PREFIX: runId, LOG_LEVEL: 'warn' });
const logger = createLogger('eval', 'warn');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const traffic = generateTraffic({ seed, payers: Number(args.payers), startMs: Date.now() - 20 * 86_400_000 });
console.log(`seed ${seed}: ${traffic.length} events from ${args.payers} payers, streamed at ${rate} events/s`);

const kafka = createKafka(config.KAFKA_BROKERS, 'backstop-eval', logger);
const admin = kafka.admin();
await admin.connect();
const topics = backstopTopics(config.KAFKA_TOPIC_PREFIX);
await ensureTopics(admin, topics);
const eventsTopic = topicName('paymentEvents', config.KAFKA_TOPIC_PREFIX);

const redis = createRedis(config.REDIS_URL, 'backstop-eval');
const store = createPayerStateStore(redis, config);
const producer = createIdempotentProducer(kafka);
await producer.connect();
// The detector as it ships, with the default rules fixed and this run's clients handed in.
const detector = createDetector(config, { logger, kafka, redis, store, rulesConfig: fixedRulesConfig(), serveMetrics: false, rebuildLostState: false });
await detector.start();

const flagsTopic = await readTopic(kafka, topicName('flags', config.KAFKA_TOPIC_PREFIX));

// Streams in event-time order at a steady rate; receivedAt is stamped when each slice is sent.
const tickMs = 50;
const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
const started = Date.now();
for (let offset = 0; offset < traffic.length; offset += perTick) {
  const due = started + (offset / perTick) * tickMs;
  if (due > Date.now()) await sleep(due - Date.now());
  await publishEvents(producer, eventsTopic, tenantId, traffic.slice(offset, offset + perTick).map(({ event }) => event));
}
const streamedMs = Date.now() - started;

// Done when the detector has committed every partition's end and the flags stop arriving.
const groupId = `${config.KAFKA_TOPIC_PREFIX}${config.DETECTOR_GROUP_ID}`;
const ends = await admin.fetchTopicOffsets(eventsTopic);
for (;;) {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [eventsTopic] });
  const caughtUp = ends.every((end) => committed!.partitions.find((p) => p.partition === end.partition)?.offset === end.high);
  if (caughtUp) break;
  await sleep(200);
}
const processedMs = Date.now() - started;
let seen = -1;
while (seen !== flagsTopic.messages.length) {
  seen = flagsTopic.messages.length;
  await sleep(1500);
}
const flags = flagsTopic.messages.map((message) => Flag.parse(JSON.parse(message.value)));

console.log(`streamed in ${(streamedMs / 1000).toFixed(1)} s, all processed after ${(processedMs / 1000).toFixed(1)} s; ${flags.length} flags (${new Set(flags.map((f) => f.flagId)).size} distinct)`);
console.log(`redis: ${store.roundTrips} pipelined round trips for ${traffic.length} events (${(traffic.length / store.roundTrips).toFixed(1)} events per round trip)`);
console.log('');
const report = score(traffic, flags, rules.map((rule) => rule.type));
printReport(report);
if (args.explain) for (const line of report.mistakes) console.log(line);

await flagsTopic.stop();
await detector.stop();
await producer.disconnect();
await admin.deleteTopics({ topics: topics.map((t) => t.topic) }).catch(() => undefined);
await admin.disconnect();
await forEachKey(redis, `${runId}:*`, async (keys) => { await redis.unlink(...keys); });
await redis.quit();
