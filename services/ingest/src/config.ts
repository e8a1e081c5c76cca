import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';
import { payerStateEnv } from '@backstop/detection';
import { TenantRate } from './rate-limit';
import { SourceTopics } from './source/mapping';

/** A setting written as JSON, parsed and then checked against its schema. */
function jsonSetting<T extends z.ZodType>(schema: T, fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const IngestConfig = z.object({
  ...commonEnv,
  // Pre-payment checks read the payers' state with the detector's own settings.
  ...payerStateEnv,
  INGEST_HOST: z.string().default('127.0.0.1'),
  INGEST_PORT: port(8080),
  /** Largest accepted request body, in bytes. */
  INGEST_BODY_LIMIT: z.coerce.number().int().positive().default(1_048_576),
  /** How far a webhook-timestamp may be from now, in seconds, before the request counts as a replay. */
  INGEST_SIGNATURE_TOLERANCE_S: z.coerce.number().int().positive().default(300),
  /** How long an accepted event id is remembered to answer retries, in seconds. */
  INGEST_DEDUPE_WINDOW_S: z.coerce.number().int().positive().default(86_400),
  /**
   * Hashes per time slice that a tenant's remembered ids are spread over. Redis keeps a hash
   * compact (listpack) up to 512 entries, so a tenant sending R events/s stays compact with
   * about R × window / 12 / 400 shards; the default suits up to ~230 events/s per tenant and
   * costs little below that.
   */
  INGEST_DEDUPE_SHARDS: z.coerce.number().int().min(1).max(65_536).default(4096),
  /** Sustained events per second a tenant may send. */
  INGEST_RATE_PER_S: z.coerce.number().positive().default(5_000),
  /** Events a tenant may send at once above the sustained rate: at least one full batch. */
  INGEST_RATE_BURST: z.coerce.number().int().min(500).default(10_000),
  /** Tenants with a rate of their own, as JSON: {"<tenant>": {"eventsPerSecond": n, "burst": n}}. */
  INGEST_RATE_OVERRIDES: jsonSetting(z.record(z.string(), TenantRate), '{}'),
  /** Oldest occurredAt accepted, in seconds before now. */
  INGEST_MAX_EVENT_AGE_S: z.coerce.number().int().positive().default(7 * 86_400),
  /**
   * Platform topics to consume, as JSON: [{"tenantId", "topic", "mapping"?}], see
   * source/mapping.ts. Empty: ingest takes webhooks only.
   */
  INGEST_SOURCES: jsonSetting(SourceTopics, '[]'),
  /** Consumer group for the platform topics (prefixed with KAFKA_TOPIC_PREFIX). */
  INGEST_SOURCE_GROUP_ID: z.string().min(1).default('backstop-ingest-sources'),
  /** How long to gather concurrent requests' events into one Kafka send, in milliseconds. */
  INGEST_LINGER_MS: z.coerce.number().min(0).max(50).default(1),
  /**
   * Longest a pre-payment check may take, in milliseconds; past it the answer is `allow` with
   * `degraded: true` (Redis slow or away), since a check must never hold up a payment.
   */
  INGEST_CHECK_DEADLINE_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /**
   * Checks whose work may be unfinished at once; beyond it, checks are answered `allow` +
   * `degraded` without asking Redis, so a stalled Redis or an overload sheds work instead of
   * queueing it.
   */
  INGEST_CHECK_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(512),
  /**
   * How long a check that asked for confirmation is remembered (s): a payment whose webhook
   * carries its intentId within this time is flagged, if at all, as warned and confirmed.
   */
  INGEST_CHECK_WARNING_TTL_S: z.coerce.number().int().min(60).default(86_400),
  /** How long a tenant's rule settings are cached for checks (ms), as the detector caches them. */
  INGEST_CHECK_RULES_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
}).superRefine(checkKafkaSecurity);
export type IngestConfig = z.infer<typeof IngestConfig>;
