/**
 * `npm run dlq:replay -- [--source TOPIC] [--consumer NAME] [--since ISO-TIME] [--dry-run]`
 *
 * Re-publishes dead letters, byte for byte, to the topic they came from, once whatever made
 * them fail is fixed (a tenant created, a consumer corrected). Reads the dead-letter topic
 * from its beginning up to where it ended at start, with a throwaway consumer group, so a
 * replay never blocks on new letters and can be repeated; consumers downstream are
 * idempotent, so replaying a letter twice is harmless.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { topicName } from '@backstop/contracts';
import { checkKafkaSecurity, commonEnv, kafkaSecurityEnv, loadConfig } from '@backstop/config';
import { ACKS_ALL, createIdempotentProducer, createKafka, DeadLetter, kafkaSecurity, type KafkaSecurity } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { z } from 'zod';

export interface ReplayOptions {
  brokers: string[];
  /** TLS and SASL, for brokers that demand them. */
  security?: KafkaSecurity;
  topicPrefix: string;
  source?: string;
  consumer?: string;
  since?: Date;
  dryRun?: boolean;
}

export interface ReplaySummary {
  replayed: number;
  skipped: number;
  unreadable: number;
}

export async function replayDeadLetters(options: ReplayOptions): Promise<ReplaySummary> {
  const logger = createLogger('dlq-replay', process.env.LOG_LEVEL ?? 'warn');
  const kafka = createKafka(options.brokers, 'backstop-dlq-replay', logger, { ...(options.security ? { security: options.security } : {}) });
  const topic = topicName('deadLetter', options.topicPrefix);
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  await admin.disconnect();
  const summary: ReplaySummary = { replayed: 0, skipped: 0, unreadable: 0 };
  const pending = [...ends.entries()].filter(([, high]) => high > 0n).map(([partition]) => partition);
  if (pending.length === 0) return summary;

  const producer = createIdempotentProducer(kafka);
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${options.topicPrefix}backstop-dlq-replay-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const remaining = new Set(pending);
  await new Promise<void>((resolve, reject) => {
    consumer.run({
      eachBatch: async ({ batch }) => {
        const end = ends.get(batch.partition) ?? 0n;
        const toSend = new Map<string, { key: Buffer | null; value: Buffer | null }[]>();
        for (const message of batch.messages) {
          if (BigInt(message.offset) >= end) break;
          const parsed = DeadLetter.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
          if (!parsed.success) {
            summary.unreadable += 1;
            continue;
          }
          const letter = parsed.data;
          const wanted = (!options.source || letter.sourceTopic === options.source)
            && (!options.consumer || letter.consumer === options.consumer)
            && (!options.since || Date.parse(letter.failedAt) >= options.since.getTime());
          if (!wanted) {
            summary.skipped += 1;
            continue;
          }
          const list = toSend.get(letter.sourceTopic) ?? [];
          list.push({
            key: letter.keyBase64 === null ? null : Buffer.from(letter.keyBase64, 'base64'),
            value: letter.valueBase64 === null ? null : Buffer.from(letter.valueBase64, 'base64'),
          });
          toSend.set(letter.sourceTopic, list);
          summary.replayed += 1;
        }
        if (!options.dryRun) {
          for (const [sourceTopic, messages] of toSend) await producer.send({ topic: sourceTopic, acks: ACKS_ALL, messages });
        }
        if (BigInt(batch.lastOffset()) + 1n >= end) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) resolve();
        }
      },
    }).catch(reject);
  });
  await consumer.disconnect();
  await producer.disconnect();
  return summary;
}

async function main(): Promise<void> {
  const config = loadConfig(
    z.object({ KAFKA_BROKERS: commonEnv.KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX, ...kafkaSecurityEnv }).superRefine(checkKafkaSecurity),
  );
  const { values } = parseArgs({
    options: { source: { type: 'string' }, consumer: { type: 'string' }, since: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
    strict: true,
  });
  const since = values.since ? new Date(values.since) : undefined;
  if (since && Number.isNaN(since.getTime())) throw new Error(`--since is not a time: ${values.since}`);
  const summary = await replayDeadLetters({
    brokers: config.KAFKA_BROKERS,
    security: kafkaSecurity(config),
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    ...(values.source ? { source: values.source } : {}),
    ...(values.consumer ? { consumer: values.consumer } : {}),
    ...(since ? { since } : {}),
    dryRun: values['dry-run'],
  });
  process.stdout.write(`${JSON.stringify({ ...summary, dryRun: values['dry-run'] })}\n`);
}

if (process.argv[1]?.endsWith('replay-dead-letters.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  });
}
