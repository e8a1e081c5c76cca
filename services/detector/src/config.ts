import { z } from 'zod';
import { commonEnv } from '@backstop/config';

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
});
export type DetectorConfig = z.infer<typeof DetectorConfig>;
