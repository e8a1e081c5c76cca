import { Flag, topicName } from '@backstop/contracts';
import { deadLetterFor, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import { faultPoint } from '@backstop/lifecycle';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { Consumer, Kafka, Producer } from 'kafkajs';
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
}

/**
 * Consumes flags batch by batch: the batch's flags and decisions are written in one
 * transaction, and the offsets are committed only after it committed. A crash in between
 * redelivers the batch, which the database's unique keys turn into no-ops.
 */
export async function startFlagConsumer(deps: RefundWorkerDeps): Promise<Consumer> {
  const { config, kafka, producer, pool, logger, onApproved } = deps;
  const prefix = config.KAFKA_TOPIC_PREFIX;
  const deadLetterTopic = topicName('deadLetter', prefix);
  const consumer = kafka.consumer({ groupId: `${prefix}${config.REFUND_WORKER_GROUP_ID}`, allowAutoTopicCreation: false, sessionTimeout: config.KAFKA_SESSION_TIMEOUT_MS });
  await consumer.connect();
  await consumer.subscribe({ topic: topicName('flags', prefix), fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      if (!isRunning() || isStale() || batch.messages.length === 0) return;
      const source = { topic: batch.topic, partition: batch.partition };
      const flags: Flag[] = [];
      const deadLetters: DeadLetter[] = [];
      for (const message of batch.messages) {
        try {
          flags.push(Flag.parse(JSON.parse(message.value?.toString('utf8') ?? '')));
        } catch (error) {
          deadLetters.push(deadLetterFor(message, source, 'refund-worker', error instanceof Error ? error.message : String(error)));
        }
      }
      const outcome = await inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
      faultPoint('refund-worker.after-db-commit');
      if (outcome.approved > 0) onApproved();
      if (outcome.invalidPolicies.length > 0) logger.error({ tenants: outcome.invalidPolicies }, 'stored refund policy is invalid; nothing is refunded automatically for these tenants');
      for (const orphan of outcome.orphaned) {
        const message = batch.messages.find((m) => m.value?.toString('utf8').includes(orphan.flagId));
        if (message) deadLetters.push(deadLetterFor(message, source, 'refund-worker', `unknown tenant ${orphan.tenantId}`));
      }
      await sendDeadLetters(producer, deadLetterTopic, deadLetters);
      deps.onDeadLetters?.(deadLetters.length);
      const last = batch.messages[batch.messages.length - 1]!;
      resolveOffset(last.offset);
      await consumer.commitOffsets([{ ...source, offset: (BigInt(last.offset) + 1n).toString() }]);
      await heartbeat();
      if (outcome.decisionsInserted > 0) logger.info({ decisions: outcome.decisionsInserted, approved: outcome.approved }, 'refund decisions recorded');
    },
  });
  return consumer;
}
