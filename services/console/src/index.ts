import { loadConfig } from '@backstop/config';
import { runService } from '@backstop/lifecycle';
import { ConsoleConfig } from './config';
import { createConsole } from './console';

const config = loadConfig(ConsoleConfig);
await runService(config, createConsole(config), ({ address }) => [{ address }, 'console listening']);
