import type { KafkaSecurity } from '@backstop/kafka';
import type { Logger } from '@backstop/logging';
import { ensureDatabase, migrate } from '@backstop/postgres';
import type { TopicRole } from '@backstop/contracts';
import { ensureBackstopTopics } from '../kafka/topics';

export interface BootstrapOptions {
  brokers: string[];
  /** TLS and SASL, for brokers that demand them. */
  security?: KafkaSecurity;
  databaseUrl: string;
  topicPrefix?: string;
  partitions?: Partial<Record<TopicRole, number>>;
  logger: Logger;
}

/** Brings the shared state up to date: the database and its schema, and every topic. */
export async function bootstrap(options: BootstrapOptions): Promise<void> {
  await ensureDatabase(options.databaseUrl);
  const applied = await migrate(options.databaseUrl);
  if (applied.length > 0) options.logger.info({ applied }, 'migrations applied');
  await ensureBackstopTopics(options.brokers, {
    prefix: options.topicPrefix ?? '',
    ...(options.partitions ? { partitions: options.partitions } : {}),
    ...(options.security ? { security: options.security } : {}),
    logger: options.logger,
  });
}
