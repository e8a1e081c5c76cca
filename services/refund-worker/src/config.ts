import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';

export const RefundWorkerConfig = z.object({
  ...commonEnv,
  REFUND_WORKER_GROUP_ID: z.string().min(1).default('backstop-refund-worker'),
  /** How long the group waits for a silent member before handing its partitions to others. */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(6_000),
  /**
   * Flag partitions whose batches are recorded side by side, each in its own transaction: one
   * batch's queries run while another is planned. The flags topic has 3 partitions.
   */
  REFUND_WORKER_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).max(32).default(3),
  /**
   * How long the broker may hold a fetch of flags or events to gather more when traffic is
   * light (ms): one transaction then records many instead of one, for at most this much added
   * refund latency, and an idle worker asks the broker this often; 0 answers every fetch as
   * soon as one message is there (Kafka's default). See bench/results/2026-11-30-gathering.md.
   */
  REFUND_WORKER_FETCH_GATHER_MS: z.coerce.number().int().min(0).max(1_000).default(50),
  /**
   * Bytes of one flags partition a fetch may bring in (Kafka's default, 1 MiB); a fetch from
   * one broker brings at most this times REFUND_WORKER_PARTITIONS_CONCURRENTLY. A fetch is held
   * decoded, and its flags parsed and planned, until its batches' transactions commit, so
   * under a backlog this is what the worker holds, several times over, per broker. Smaller
   * transactions cost throughput (a quarter MiB: about a third fewer decisions/s for about
   * 4 MB less heap at its busiest, bench/results/2026-12-02-notes.md); lower it only for a
   * heap too small for that.
   */
  REFUND_WORKER_FETCH_PARTITION_BYTES: z.coerce.number().int().min(16 * 1024).max(16 * 1024 * 1024).default(1024 * 1024),
  /** First retry delay of a failed refund webhook; later ones double, up to an hour. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(600_000).default(1_000),
  /** How often the outbox relay looks for commands nobody woke it for (console approvals, retries). */
  OUTBOX_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** `/metrics` for Prometheus; 0 picks a free port. */
  REFUND_WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  REFUND_WORKER_METRICS_PORT: port(9465),
  /** A refund sent to the platform and unconfirmed this long is overdue (alerted on). */
  REFUND_CONFIRMATION_SLA_SECONDS: z.coerce.number().int().min(1).default(3_600),
}).superRefine(checkKafkaSecurity);
export type RefundWorkerConfig = z.infer<typeof RefundWorkerConfig>;
