import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { topicName } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import { commitBatch, deadLetterFor, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import type { Logger } from '@backstop/logging';
import type { Producer } from 'kafkajs';
import { eventFingerprint, type DeliveryMemory } from '../delivery-memory';
import type { EventPublisher } from '../event-publisher';
import type { IngestMetrics } from '../metrics';
import { acceptEvents, type Candidate } from '../webhook/accept';
import { parseJson, validateEvent } from '../webhook/validate';
import { applyMapping, type SourceTopic } from './mapping';

export interface SourceConsumerDeps {
  kafka: Kafka;
  /** Sends the dead letters; the events go through the publisher, like webhooks. */
  producer: Producer;
  publisher: EventPublisher;
  memory: DeliveryMemory;
  metrics: IngestMetrics;
  logger: Logger;
  sources: SourceTopic[];
  topicPrefix: string;
  groupId: string;
  maxEventAgeSeconds: number;
}

/** The consumer's name in dead letters, logs and `backstop_consumer_running`. */
export const SOURCE_CONSUMER_NAME = 'ingest-source';
const MAX_FUTURE_SKEW_MS = 5 * 60_000;

/**
 * The second door: platforms that publish their payments to a Kafka topic of their own.
 * Every record is mapped onto the contract, validated with the same schemas and bounds as a
 * webhook, deduplicated by event id with the same memory, and republished to the events
 * topic. A record that fails goes to the dead-letter topic with its reason, and the partition
 * moves on. Offsets are committed only after the republished events and the dead letters
 * were acknowledged; a failure before that replays the batch, which the dedupe makes harmless.
 */
export async function startSourceConsumer(deps: SourceConsumerDeps): Promise<Consumer> {
  const byTopic = new Map(deps.sources.map((source) => [source.topic, source]));
  const deadLetterTopic = topicName('deadLetter', deps.topicPrefix);
  const consumer = deps.kafka.consumer({ groupId: deps.groupId, allowAutoTopicCreation: false });
  await consumer.connect();
  await consumer.subscribe({ topics: [...byTopic.keys()], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale } = payload;
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = byTopic.get(batch.topic)!;
      const where = { topic: batch.topic, partition: batch.partition };
      const deadLetters: DeadLetter[] = [];
      const reject = (message: KafkaMessage, reason: string, detail: string) => {
        deps.metrics.rejected.inc({ reason });
        deadLetters.push(deadLetterFor(message, where, SOURCE_CONSUMER_NAME, `${reason}: ${detail}`));
      };

      const nowMs = Date.now();
      const candidates: Candidate[] = [];
      const origins: KafkaMessage[] = [];
      for (const message of batch.messages) {
        try {
          const mapped = applyMapping(parseJson(message.value ?? Buffer.alloc(0)), source.mapping);
          const { event, marks } = validateEvent(mapped, undefined, { nowMs, maxFutureSkewMs: MAX_FUTURE_SKEW_MS, maxAgeMs: deps.maxEventAgeSeconds * 1000 });
          candidates.push({ event, marks, fingerprint: eventFingerprint(event) });
          origins.push(message);
        } catch (error) {
          if (!(error instanceof Problem)) throw error;
          reject(message, error.reason, describe(error));
        }
      }

      const outcomes = candidates.length > 0 ? await acceptEvents(deps, source.tenantId, candidates, nowMs) : [];
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'accepted') deps.metrics.accepted.inc({ type: candidates[index]!.event.type });
        else if (outcome.status === 'duplicate') deps.metrics.duplicates.inc();
        // Passing trouble (the broker, a webhook delivering the same id right now): replay the batch.
        else if (outcome.problem.status >= 500) throw new Error(`${outcome.problem.reason}: not recorded, the batch will be replayed`);
        else reject(origins[index]!, outcome.problem.reason, describe(outcome.problem));
      });

      await sendDeadLetters(deps.producer, deadLetterTopic, deadLetters);
      for (const letter of deadLetters) deps.logger.warn({ topic: letter.sourceTopic, offset: letter.sourceOffset, reason: letter.reason.split(':')[0] }, 'record sent to dead-letter topic');
      await commitBatch(payload);
    },
  });
  return consumer;
}

/** The reason with its offending fields, without the values (a record may carry account numbers). */
function describe(problem: Problem): string {
  const errors = (problem.extensions.errors as { path: string; message: string }[] | undefined) ?? [];
  const fields = errors.map((error) => `${error.path} ${error.message}`).join('; ');
  return [problem.title, problem.detail, fields].filter(Boolean).join(' — ');
}
