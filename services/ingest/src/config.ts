import { z } from 'zod';
import { commonEnv, port } from '@backstop/config';

export const IngestConfig = z.object({
  ...commonEnv,
  INGEST_HOST: z.string().default('127.0.0.1'),
  INGEST_PORT: port(8080),
  /** Largest accepted request body, in bytes. */
  INGEST_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),
  /** How far a webhook-timestamp may be from now, in seconds, before the request counts as a replay. */
  INGEST_SIGNATURE_TOLERANCE_S: z.coerce.number().int().positive().default(300),
  /** How long an accepted event id is remembered to answer retries, in seconds. */
  INGEST_DEDUPE_WINDOW_S: z.coerce.number().int().positive().default(86_400),
  /** Oldest occurredAt accepted, in seconds before now. */
  INGEST_MAX_EVENT_AGE_S: z.coerce.number().int().positive().default(7 * 86_400),
  /** How long to gather concurrent requests' events into one Kafka send, in milliseconds. */
  INGEST_LINGER_MS: z.coerce.number().min(0).max(50).default(1),
});
export type IngestConfig = z.infer<typeof IngestConfig>;
