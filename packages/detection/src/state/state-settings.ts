import { z } from 'zod';
import { commonEnv } from '@backstop/config';

/**
 * How much of each payer the state remembers, and for how long. The detector writes the state
 * with these limits; whatever reads it (a pre-payment check, a backtest) uses the same ones.
 */
export const payerStateEnv = {
  /** Prefix of every key: a shadow state (a backtest's) lives beside production under its own. */
  REDIS_KEY_PREFIX: commonEnv.REDIS_KEY_PREFIX,
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
  /** Most recipient accounts and categories remembered per payer. */
  DETECTOR_RECIPIENT_CAP: z.coerce.number().int().positive().default(20),
  DETECTOR_CATEGORY_CAP: z.coerce.number().int().positive().default(30),
  /** Unit prices remembered per sku across all payers, and how long a read summary is trusted (ms). */
  DETECTOR_SKU_SAMPLE_CAP: z.coerce.number().int().positive().default(200),
  DETECTOR_SKU_CACHE_MS: z.coerce.number().int().nonnegative().default(10_000),
  /**
   * Payments the detector may hold in its own copies of recently seen payers' state, so it
   * judges their next payments without reading the state back from Redis; 0 reads it every
   * time. About 0.45 KB of live heap per payment held. Unset: as many as fit in a sixteenth of the
   * process's heap limit, at most 100,000 (see defaultCopyPayments).
   */
  DETECTOR_STATE_COPY_PAYMENTS: z.coerce.number().int().nonnegative().optional(),
  /** How long a copy is used after it was read from Redis, seconds. */
  DETECTOR_STATE_COPY_SECONDS: z.coerce.number().positive().default(900),
};

export const PayerStateSettings = z.object(payerStateEnv);
export type PayerStateSettings = z.infer<typeof PayerStateSettings>;
