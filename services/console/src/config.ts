import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';
import { payerStateEnv } from '@backstop/detection';

export const ConsoleConfig = z.object({
  ...commonEnv,
  /** A backtest replays into a shadow state with the detector's limits: set them as the detector's. */
  ...payerStateEnv,
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: port(8081),
}).superRefine(checkKafkaSecurity);
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
