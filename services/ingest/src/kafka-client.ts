import type { Kafka } from 'kafkajs';
import { createKafka, type KafkaSecurity } from '@backstop/kafka';
import type { Logger } from '@backstop/logging';

/**
 * Ingest's Kafka client gives up within about a second when the broker is away, so a
 * webhook is answered 503 + Retry-After well before a platform's own timeout (the shared
 * default keeps retrying for ~10 s, right for consumers, not for a caller who is waiting).
 * Giving up early is safe: the delivery's claim is released only when the send has failed.
 */
export function createIngestKafka(brokers: string[], security: KafkaSecurity, clientId: string, logger: Logger): Kafka {
  return createKafka(brokers, clientId, logger, {
    security,
    retry: { initialRetryTime: 100, retries: 3, maxRetryTime: 1_000 },
    requestTimeoutMs: 5_000,
  });
}
