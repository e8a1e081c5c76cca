import { z } from 'zod';
import { kafkaSecurityEnv } from './kafka-security-env';

export { checkKafkaSecurity, kafkaSecurityEnv } from './kafka-security-env';

/**
 * Parses the environment once at start-up. A missing or malformed variable stops the
 * process with one line that names it, instead of failing later somewhere deep.
 */
export function loadConfig<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv = process.env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  process.stderr.write(`invalid configuration: ${problems.join('; ')}\n`);
  process.exit(78); // EX_CONFIG
}

/** Settings every service shares; each service extends this with its own. */
export const commonEnv = {
  /** Comma-separated host:port list of the Kafka cluster. */
  KAFKA_BROKERS: z
    .string()
    .default('127.0.0.1:9092')
    .transform((value) => value.split(',').map((broker) => broker.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'host:port')).min(1)),
  /** Prepended to every topic name, so tests and side-by-side deployments never share one. */
  KAFKA_TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/).default(''),
  /** TLS and SASL to the brokers; a schema that spreads these also runs `checkKafkaSecurity`. */
  ...kafkaSecurityEnv,
  /**
   * One Redis (`redis://host:port`, `rediss://` for TLS), or a Redis Cluster: several of its
   * nodes separated by commas, any of which the client asks for the rest.
   */
  REDIS_URL: z
    .string()
    .default('redis://127.0.0.1:6379')
    .refine((value) => value.split(',').every((part) => /^rediss?:\/\/[^\s,]+$/.test(part.trim()) && URL.canParse(part.trim())), 'a redis:// URL, or several separated by commas'),
  /** Prepended to every Redis key. */
  REDIS_KEY_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]+$/).default('backstop'),
  DATABASE_URL: z.url().default('postgres://postgres@127.0.0.1:5432/backstop'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How long SIGTERM may take to finish the work in flight, commit and close, in ms; past it
   * the process exits 1 with a log line naming the step that hung. Keep it below the
   * orchestrator's grace period (Kubernetes and docker-compose.yml here: 30 s), so the exit
   * is ours and logged, not a silent SIGKILL.
   */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(25_000),
};

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
