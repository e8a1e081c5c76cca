import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';
import { payerStateEnv } from '@backstop/detection';

export const DetectorConfig = z.object({
  ...commonEnv,
  ...payerStateEnv,
  /** Consumer group; instances sharing it split the partitions between them. */
  DETECTOR_GROUP_ID: z.string().min(1).default('backstop-detector'),
  /**
   * How long the group waits for a silent instance before handing its partitions to others:
   * after a crash, its partitions are idle this long.
   */
  DETECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(6_000),
  /**
   * How long the broker may hold a fetch to gather more events when traffic is light (ms): a
   * pass then carries many events instead of a few, for at most this much added detection
   * latency, and an idle detector asks the broker this often. Off by default: at 1,000
   * events/s 10 ms saved about 0.1 core of the whole system but doubled the median detection
   * latency and cost CPU when idle (bench/results/2026-11-30-gathering.md).
   */
  DETECTOR_FETCH_GATHER_MS: z.coerce.number().int().min(0).max(1_000).default(0),
  /** How long a tenant's rule settings are cached (ms). */
  DETECTOR_RULES_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** Events this far (event time) behind their payer's newest are counted as late; they are still evaluated. */
  DETECTOR_ALLOWED_LATENESS_SECONDS: z.coerce.number().nonnegative().default(300),
  /** `/metrics` for Prometheus; 0 picks a free port. */
  DETECTOR_METRICS_HOST: z.string().default('127.0.0.1'),
  DETECTOR_METRICS_PORT: port(9464),
  /**
   * After Redis lost the payers' state, flags are marked (never refunded automatically) until
   * the events topic has been replayed into it, and for at most this long: should no replay
   * ever finish, new traffic has refilled the short windows by then.
   */
  DETECTOR_STATE_REBUILD_SECONDS: z.coerce.number().nonnegative().default(86_400),
  /**
   * How far back (hours, by the time Kafka stored each event) a rebuild replays the events
   * topic; by default the history horizon, DETECTOR_HISTORY_DAYS. The topic's retention is
   * the real limit: older events are gone.
   */
  DETECTOR_REBUILD_LOOKBACK_HOURS: z.coerce.number().positive().optional(),
  /**
   * The lease on the rebuild lock, extended every third of it while a replay runs: if the
   * rebuilding instance dies, another takes over about this long later.
   */
  DETECTOR_REBUILD_LOCK_SECONDS: z.coerce.number().min(1).default(30),
}).superRefine(checkKafkaSecurity);
export type DetectorConfig = z.infer<typeof DetectorConfig>;

/** How far back a rebuild replays the events topic (ms). */
export function rebuildLookbackMs(config: DetectorConfig): number {
  return (config.DETECTOR_REBUILD_LOOKBACK_HOURS ?? config.DETECTOR_HISTORY_DAYS * 24) * 3_600_000;
}
