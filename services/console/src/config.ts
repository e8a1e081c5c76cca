import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';

export const ConsoleConfig = z.object({
  ...commonEnv,
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: port(8081),
}).superRefine(checkKafkaSecurity);
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
