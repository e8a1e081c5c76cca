import { partitionKey, topicName } from '@backstop/contracts';
import { ACKS_ALL, commitBatches, fetchGathering, groupMembership, retryRetriable, runByFetch, sendDeadLetters } from '@backstop/kafka';
import { faultPoint } from '@backstop/lifecycle';
import type { Logger } from '@backstop/logging';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { DetectorConfig } from './config';
import type { DetectorMetrics } from './metrics';
import { chunkByBytes } from './send-chunks';
import { detectBatch, type WarningLog, type StoredFlags, type RulesConfigSource, type PayerStateStore, type StateSentinel } from '@backstop/detection';

export interface DetectorDeps {
  config: DetectorConfig;
  kafka: Kafka;
  producer: Producer;
  store: PayerStateStore<StoredFlags>;
  rulesConfig: RulesConfigSource;
  /** Warnings pre-payment checks gave, so a flag can say the user confirmed one. */
  warnings?: WarningLog;
  metrics: DetectorMetrics;
  sentinel: StateSentinel;
  logger: Logger;
}

/**
 * Consumes accepted events a fetch at a time: the batches of every partition in one fetch go
 * through one pass. Update the payers' state and read it back (one pipelined round trip), run
 * the rules, publish the flags and dead letters, wait for Kafka's acknowledgement, remember
 * the flags per event, and only then commit the offsets of all those partitions at once.
 */
export async function startDetector(deps: DetectorDeps): Promise<Consumer> {
  const { config, kafka, producer, store, rulesConfig, metrics, sentinel, logger, warnings } = deps;
  const allowedLatenessMs = config.DETECTOR_ALLOWED_LATENESS_SECONDS * 1000;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const eventsTopic = topicName('paymentEvents', prefix);
  const flagsTopic = topicName('flags', prefix);
  const deadLetterTopic = topicName('deadLetter', prefix);

  const consumer = kafka.consumer({
    groupId: `${prefix}${config.DETECTOR_GROUP_ID}`,
    allowAutoTopicCreation: false,
    ...groupMembership(config.DETECTOR_SESSION_TIMEOUT_MS),
    ...fetchGathering(config.DETECTOR_FETCH_GATHER_MS),
  });
  await consumer.connect();
  await sentinel.arm(Date.now(), await committedBefore(kafka, `${prefix}${config.DETECTOR_GROUP_ID}`, eventsTopic));
  await consumer.subscribe({ topic: eventsTopic, fromBeginning: true });

  // The store counts since it started; the metric takes each fetch's share.
  let counted = { copy: 0, read: 0, staleCopy: 0 };
  const countJudged = () => {
    const now = { copy: store.judgedAhead, read: store.readBack - store.outOfDate, staleCopy: store.outOfDate };
    metrics.judged.inc({ state: 'copy' }, now.copy - counted.copy);
    metrics.judged.inc({ state: 'read' }, now.read - counted.read);
    metrics.judged.inc({ state: 'stale_copy' }, now.staleCopy - counted.staleCopy);
    counted = now;
  };

  const handleFetch = async (live: EachBatchPayload[]) => {
    // Checked before the state is read: a loss in between marks the next fetch instead.
    const loss = await sentinel.loss(Date.now());
    const batches = live.map(({ batch }) => ({ messages: batch.messages, source: { topic: batch.topic, partition: batch.partition } }));
    const outcome = await detectBatch(batches, { store, rulesConfig, allowedLatenessMs, loss, warnings });
    countJudged();
    faultPoint('detector.after-redis-update');
    const flagMessages = outcome.flags.map((flag, index) => ({ key: partitionKey(flag.tenantId, flag.payment.payerId), value: outcome.published[index]! }));
    for (const messages of chunkByBytes(flagMessages)) await producer.send({ topic: flagsTopic, acks: ACKS_ALL, messages });
    await sendDeadLetters(producer, deadLetterTopic, outcome.deadLetters);
    for (const letter of outcome.deadLetters) logger.warn({ partition: letter.sourcePartition, offset: letter.sourceOffset, reason: letter.reason }, 'message sent to dead-letter topic');
    metrics.deadLetters.inc(outcome.deadLetters.length);
    metrics.deadLettersAlerted.inc(outcome.deadLetters.length);
    const publishedMs = Date.now();
    for (const flag of outcome.flags) metrics.detectionLatency.observe(Math.max(0, publishedMs - Date.parse(flag.receivedAt)) / 1000);
    metrics.late.inc(outcome.late);
    metrics.redelivered.inc(outcome.redelivered);
    for (const flag of outcome.flags) metrics.flags.inc({ type: flag.type });
    const partitions = batches.map(({ source }) => source.partition);
    if (outcome.late > 0) logger.info({ late: outcome.late, partitions }, 'late events evaluated against the remaining state');
    faultPoint('detector.after-flags-sent');
    await store.record(outcome.records);
    await commitBatches(live);
    if (outcome.flags.length > 0) logger.info({ flags: outcome.flags.length, partitions }, 'flags published');
  };

  await runByFetch(consumer, handleFetch);
  return consumer;
}

/** Whether the group has committed any offset on the topic: it has built state before. */
async function committedBefore(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await retryRetriable(() => admin.fetchOffsets({ groupId, topics: [topic] }));
    return (committed[0]?.partitions ?? []).some((p) => BigInt(p.offset) >= 0n);
  } finally {
    await admin.disconnect();
  }
}
