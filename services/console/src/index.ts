import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { buildApp } from './app';
import { ConsoleConfig } from './config';

const config = loadConfig(ConsoleConfig);
const logger = createLogger('console', config.LOG_LEVEL);
const pool = createPool(config.DATABASE_URL, 'backstop-console');
const app = await buildApp({ logger, pool });
const address = await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
logger.info({ address }, 'console listening');

stopOnSignals(logger, [
  ['http', () => app.close()],
  ['postgres', () => pool.end()],
]);
