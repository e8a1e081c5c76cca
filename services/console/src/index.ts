import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { createLogger, logConfiguration } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { buildApp } from './app';
import { ConsoleConfig } from './config';
import { FlagNotifier } from './flags/flag-notifier';

const config = loadConfig(ConsoleConfig);
const logger = createLogger('console', config.LOG_LEVEL);
logConfiguration(logger, config);
const pool = createPool(config.DATABASE_URL, 'backstop-console');
const notifier = new FlagNotifier(config.DATABASE_URL, logger);
await notifier.start();
const app = await buildApp({ logger, pool, notifier });
const address = await app.listen({ host: config.CONSOLE_HOST, port: config.CONSOLE_PORT });
logger.info({ address }, 'console listening');

stopOnSignals(logger, [
  ['feed', () => notifier.close()],
  ['http', () => app.close()],
  ['postgres', () => pool.end()],
], config.SHUTDOWN_TIMEOUT_MS);
