import { z } from 'zod';
import { commonEnv } from '@backstop/config';

export const RefundWorkerConfig = z.object({
  ...commonEnv,
  REFUND_WORKER_GROUP_ID: z.string().min(1).default('backstop-refund-worker'),
});
export type RefundWorkerConfig = z.infer<typeof RefundWorkerConfig>;
