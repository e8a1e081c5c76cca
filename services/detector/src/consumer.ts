import { partitionKey, topicName } from '@backstop/contracts';
import { ACKS_ALL, commitBatch, retryRetriable, sendDeadLetters } from '@backstop/kafka';
import { faultPoint } from '@backstop/lifecycle';
import type { Logger } from '@backstop/logging';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import type { DetectorConfig } from './config';
import { detectBatch } from './detect-batch';
import type { StoredFlags } from './state/stored-flags';
import type { DetectorMetrics } from './metrics';
import type { RulesConfigSource } from './policy/tenant-rules';
import { chunkByBytes } from './send-chunks';
import type { PayerStateStore } from './state/payer-state';
import type { StateSentinel } from './state/state-sentinel';

export interface DetectorDeps {
  config: DetectorConfig;
  kafka: Kafka;
  producer: Producer;
  store: PayerStateStore<StoredFlags>;
  rulesConfig: RulesConfigSource;
  metrics: DetectorMetrics;
  sentinel: StateSentinel;
  logger: Logger;
}

/**
 * Consumes accepted events batch by batch. For each batch: update the payers' state and read
 * it back (one pipelined round trip), run the rules, publish the flags and dead letters, wait
 * for Kafka's acknowledgement, remember the flags per event, and only then commit the offsets.
 */
export async function startDetector(deps: DetectorDeps): Promise<Consumer> {
  const { config, kafka, producer, store, rulesConfig, metrics, sentinel, logger } = deps;
  const allowedLatenessMs = config.DETECTOR_ALLOWED_LATENESS_SECONDS * 1000;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const eventsTopic = topicName('paymentEvents', prefix);
  const flagsTopic = topicName('flags', prefix);
  const deadLetterTopic = topicName('deadLetter', prefix);

  const sessionTimeout = config.DETECTOR_SESSION_TIMEOUT_MS;
  const consumer = kafka.consumer({
    groupId: `${prefix}${config.DETECTOR_GROUP_ID}`,
    allowAutoTopicCreation: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3_000, Math.floor(sessionTimeout / 3)),
  });
  await consumer.connect();
  await sentinel.arm(Date.now(), await committedBefore(kafka, `${prefix}${config.DETECTOR_GROUP_ID}`, eventsTopic));
  await consumer.subscribe({ topic: eventsTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale } = payload;
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = { topic: batch.topic, partition: batch.partition };
      // Checked before the state is read: a loss in between marks the next batch instead.
      const rebuilding = await sentinel.rebuilding(Date.now());
      const outcome = await detectBatch(batch.messages, source, { store, rulesConfig, allowedLatenessMs, rebuilding });
      faultPoint('detector.after-redis-update');
      const flagMessages = outcome.flags.map((flag) => ({ key: partitionKey(flag.tenantId, flag.payment.payerId), value: JSON.stringify(flag) }));
      for (const messages of chunkByBytes(flagMessages)) await producer.send({ topic: flagsTopic, acks: ACKS_ALL, messages });
      await sendDeadLetters(producer, deadLetterTopic, outcome.deadLetters);
      for (const letter of outcome.deadLetters) logger.warn({ offset: letter.sourceOffset, reason: letter.reason }, 'message sent to dead-letter topic');
      metrics.deadLetters.inc(outcome.deadLetters.length);
      metrics.deadLettersAlerted.inc(outcome.deadLetters.length);
      const publishedMs = Date.now();
      for (const flag of outcome.flags) metrics.detectionLatency.observe(Math.max(0, publishedMs - Date.parse(flag.receivedAt)) / 1000);
      metrics.late.inc(outcome.late);
      metrics.redelivered.inc(outcome.redelivered);
      for (const flag of outcome.flags) metrics.flags.inc({ type: flag.type });
      if (outcome.late > 0) logger.info({ late: outcome.late, partition: batch.partition }, 'late events evaluated against the remaining state');
      faultPoint('detector.after-flags-sent');
      await store.record(outcome.records);
      await commitBatch(payload);
      if (outcome.flags.length > 0) logger.info({ flags: outcome.flags.length, partition: batch.partition }, 'flags published');
    },
  });
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
