import { loadConfig } from '@backstop/config';
import { stopOnSignals } from '@backstop/lifecycle';
import { logConfiguration } from '@backstop/logging';
import { ConsoleConfig } from './config';
import { createConsole } from './console';

const config = loadConfig(ConsoleConfig);
const service = createConsole(config);
logConfiguration(service.logger, config);
const { address } = await service.start();
service.logger.info({ address }, 'console listening');
stopOnSignals(service.logger, service.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS);
