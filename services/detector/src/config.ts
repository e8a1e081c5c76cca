import { z } from 'zod';
import { commonEnv, port } from '@backstop/config';

export const DetectorConfig = z.object({
  ...commonEnv,
  /** Consumer group; instances sharing it split the partitions between them. */
  DETECTOR_GROUP_ID: z.string().min(1).default('backstop-detector'),
  /** Payments older than the payer's newest by more than this many days are forgotten. */
  DETECTOR_HISTORY_DAYS: z.coerce.number().positive().default(90),
  /** Most payments remembered per payer. */
  DETECTOR_HISTORY_CAP: z.coerce.number().int().positive().default(50),
  /** Most event ids remembered per payer for redelivery, and for how many hours of event time. */
  DETECTOR_SEEN_CAP: z.coerce.number().int().positive().default(500),
  DETECTOR_SEEN_HOURS: z.coerce.number().positive().default(48),
  /** Orders remembered per payer (a later payment of one is a duplicate), and for how many days of event time. */
  DETECTOR_ORDER_CAP: z.coerce.number().int().positive().default(100),
  DETECTOR_ORDER_DAYS: z.coerce.number().positive().default(30),
  /**
   * How long the group waits for a silent instance before handing its partitions to others:
   * after a crash, its partitions are idle this long.
   */
  DETECTOR_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  /** Most recipient accounts and categories remembered per payer. */
  DETECTOR_RECIPIENT_CAP: z.coerce.number().int().positive().default(20),
  DETECTOR_CATEGORY_CAP: z.coerce.number().int().positive().default(30),
  /** Unit prices remembered per sku across all payers, and how long a read summary is trusted (ms). */
  DETECTOR_SKU_SAMPLE_CAP: z.coerce.number().int().positive().default(200),
  DETECTOR_SKU_CACHE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /** How long a tenant's rule settings are cached (ms). */
  DETECTOR_RULES_CACHE_MS: z.coerce.number().int().nonnegative().default(30_000),
  /** Events this far (event time) behind their payer's newest are counted as late; they are still evaluated. */
  DETECTOR_ALLOWED_LATENESS_SECONDS: z.coerce.number().nonnegative().default(300),
  /**
   * After Redis lost the payers' state, flags raised for this long are marked and never
   * refunded automatically: "never bought this category", "never paid this account" and
   * "this order was paid once" all need history that only new traffic refills.
   */
  /** `/metrics` for Prometheus; 0 picks a free port. */
  DETECTOR_METRICS_HOST: z.string().default('127.0.0.1'),
  DETECTOR_METRICS_PORT: port(9464),
  DETECTOR_STATE_REBUILD_SECONDS: z.coerce.number().nonnegative().default(86_400),
});
export type DetectorConfig = z.infer<typeof DetectorConfig>;
