import { Flag, topicName } from '@backstop/contracts';
import { commitBatch, deadLetterFor, fetchBound, fetchGathering, groupMembership, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import { faultPoint } from '@backstop/lifecycle';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { RefundWorkerConfig } from './config';
import { recordFlags } from './store/record-flags';

export interface RefundWorkerDeps {
  config: RefundWorkerConfig;
  kafka: Kafka;
  producer: Producer;
  pool: Pool;
  logger: Logger;
  /** Called after a batch committed approved decisions: their commands wait in the outbox. */
  onApproved: () => void;
  /** Called with how many messages a batch sent to the dead-letter topic. */
  onDeadLetters?: (count: number) => void;
  /** Called with how many of a batch's flags had been recorded from the same message before. */
  onRedelivered?: (count: number) => void;
}

/**
 * Consumes flags batch by batch: the batch's flags and decisions are written in one
 * transaction, and the offsets are committed only after it committed. A crash in between
 * redelivers the batch, which the database's unique keys turn into no-ops. Batches of
 * different partitions are recorded side by side; a tenant's audit chain is locked only for
 * each batch's append (see recordFlags).
 */
export async function startFlagConsumer(deps: RefundWorkerDeps): Promise<Consumer> {
  const { config, kafka, producer, pool, logger, onApproved } = deps;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const deadLetterTopic = topicName('deadLetter', prefix);
  const consumer = kafka.consumer({ groupId: `${prefix}${config.REFUND_WORKER_GROUP_ID}`, allowAutoTopicCreation: false, ...groupMembership(config.KAFKA_SESSION_TIMEOUT_MS), ...fetchGathering(config.REFUND_WORKER_FETCH_GATHER_MS), ...fetchBound(config.REFUND_WORKER_FETCH_PARTITION_BYTES, config.REFUND_WORKER_PARTITIONS_CONCURRENTLY) });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('flags', prefix), fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: config.REFUND_WORKER_PARTITIONS_CONCURRENTLY,
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async (payload) => {
      const { batch, isRunning, isStale } = payload;
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = { topic: batch.topic, partition: batch.partition };
      const flags: Flag[] = [];
      // Kept so a flag of an unknown tenant dead-letters its own original bytes.
      const messageOf = new Map<string, KafkaMessage>();
      const deadLetters: DeadLetter[] = [];
      for (const message of batch.messages) {
        try {
          const flag = Flag.parse(JSON.parse(message.value?.toString('utf8') ?? ''));
          flags.push(flag);
          messageOf.set(flag.flagId, message);
        } catch (error) {
          deadLetters.push(deadLetterFor(message, source, 'refund-worker', error instanceof Error ? error.message : String(error)));
        }
      }
      const outcome = await inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
      faultPoint('refund-worker.after-db-commit');
      if (outcome.approved > 0) onApproved();
      deps.onRedelivered?.(outcome.redelivered);
      if (outcome.invalidPolicies.length > 0) logger.error({ tenants: outcome.invalidPolicies }, 'stored refund policy is invalid; nothing is refunded automatically for these tenants');
      for (const orphan of outcome.orphaned) {
        const message = messageOf.get(orphan.flagId);
        if (message) deadLetters.push(deadLetterFor(message, source, 'refund-worker', `unknown tenant ${orphan.tenantId}`));
      }
      await sendDeadLetters(producer, deadLetterTopic, deadLetters);
      deps.onDeadLetters?.(deadLetters.length);
      await commitBatch(payload);
      if (outcome.decisionsInserted > 0) logger.info({ decisions: outcome.decisionsInserted, approved: outcome.approved }, 'refund decisions recorded');
    },
  });
  return consumer;
}
