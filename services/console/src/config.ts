import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, port } from '@backstop/config';
import { payerStateEnv } from '@backstop/detection';

export const ConsoleConfig = z.object({
  ...commonEnv,
  /** A backtest replays into a shadow state with the detector's limits: set them as the detector's. */
  ...payerStateEnv,
  CONSOLE_HOST: z.string().default('127.0.0.1'),
  CONSOLE_PORT: port(8081),
  /** Where payers reach the console, for the links handed to them; unset: the origin each request came to. */
  CONSOLE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** A font file with Chinese glyphs embedded in evidence PDFs; unset: WenQuanYi Zen Hei or Noto CJK where installed. */
  CONSOLE_PDF_FONT: z.string().min(1).optional(),
  /**
   * The tenant the checkout demo at /demo/checkout pays as (`npm start` sets it to its demo
   * tenant); empty, the default, turns the demo off. It signs with that tenant's webhook
   * secret on the server, so only a tenant made for demonstrations belongs here.
   */
  CONSOLE_DEMO_TENANT: z.string().default(''),
  /** Where the demo sends its checks and payments: ingest's base URL. */
  CONSOLE_DEMO_INGEST_URL: z.url().default('http://127.0.0.1:8080'),
}).superRefine(checkKafkaSecurity);
export type ConsoleConfig = z.infer<typeof ConsoleConfig>;
