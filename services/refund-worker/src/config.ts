import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';

export const RefundWorkerConfig = z.object({
  ...commonEnv,
  REFUND_WORKER_GROUP_ID: z.string().min(1).default('backstop-refund-worker'),
  /** How long the group waits for a silent member before handing its partitions to others. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  /**
   * Flag partitions whose batches are recorded side by side, each in its own transaction: one
   * batch's queries run while another is planned. The flags topic has 3 partitions.
   */
  REFUND_WORKER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(32).default(3),
  /** How often the outbox relay looks for commands nobody woke it for (console approvals, retries). */
  /** First retry delay of a failed refund webhook; later ones double, up to an hour. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** `/metrics` for Prometheus; 0 picks a free port. */
  REFUND_WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  REFUND_WORKER_METRICS_PORT: port(9465),
  /** A refund sent to the platform and unconfirmed this long is overdue (alerted on). */
  REFUND_CONFIRMATION_SLA_SECONDS: z.coerce.number().int().min(1).default(3_600),
}).superRefine(checkKafkaSecurity);
export type RefundWorkerConfig = z.infer<typeof RefundWorkerConfig>;
