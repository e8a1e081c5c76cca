import { Kafka, logLevel, type LogEntry, type logCreator, type RetryOptions } from 'kafkajs';
import type { Logger } from '@backstop/logging';
import { registerCompressionCodecs } from './codecs';
import { mendIdleRequestQueue } from './request-queue-idle';
import { restartAfterCoordinatorLoss } from './outage-restart';
import type { KafkaSecurity } from './security';
import { StartUpNoise, startUpCondition } from './start-up-noise';

// KafkaJS 2.x warns on every producer about a partitioner change that does not concern a new project.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

function pinoLogCreator(logger: Logger): logCreator {
  const noise = new StartUpNoise();
  return () => ({ level, log }: LogEntry) => {
    const { message, ...extra } = log;
    // Ingest limits producer retries on purpose: a broker outage must become a 503, not a hung request.
    if (message.startsWith('Limiting retries for the idempotent producer')) return;
    const fields = { ...extra, component: 'kafkajs' };
    const condition = level <= logLevel.WARN ? startUpCondition(message, extra) : undefined;
    if (condition !== undefined) {
      if (noise.firstTime(condition)) logger.info({ component: 'kafkajs', condition }, 'Kafka is still starting up; retrying');
      else logger.debug(fields, message);
      return;
    }
    if (level === logLevel.ERROR) logger.error(fields, message);
    else if (level === logLevel.WARN) logger.warn(fields, message);
    else if (level === logLevel.INFO) logger.debug(fields, message);
  };
}

export interface KafkaClientOptions {
  /** Overrides the default retry policy, e.g. to answer a caller quickly while the broker is away. */
  retry?: RetryOptions;
  requestTimeoutMs?: number;
  /** TLS and SASL, from `kafkaSecurity(config)`; plaintext without. */
  security?: KafkaSecurity;
}

/**
 * A client whose consumers read every codec Kafka producers write (gzip, snappy, lz4, zstd),
 * run again when KafkaJS stops one for want of its group coordinator (see outage-restart.ts),
 * and whose idle connections leave the process asleep (see request-queue-idle.ts).
 */
export function createKafka(brokers: string[], clientId: string, logger: Logger, options: KafkaClientOptions = {}): Kafka {
  registerCompressionCodecs();
  mendIdleRequestQueue(logger);
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator: pinoLogCreator(logger),
    retry: options.retry ?? { initialRetryTime: 100, retries: 8, maxRetryTime: 5_000 },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeout: options.requestTimeoutMs } : {}),
    ...(options.security?.ssl ? { ssl: options.security.ssl } : {}),
    ...(options.security?.sasl ? { sasl: options.security.sasl } : {}),
  });
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config) => restartAfterCoordinatorLoss(consumer(config), logger);
  return kafka;
}
