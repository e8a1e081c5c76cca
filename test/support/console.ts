import { createLogger } from '@backstop/logging';
import { ConsoleConfig } from '../../services/console/src/config';
import { createConsole, type ConsoleParts } from '../../services/console/src/console';
import type { IsolatedStack } from './stack';

/**
 * The console in this process, built by its own builder on the stack's Postgres, listening on
 * a free port; tests drive it with `inject` or over HTTP at `baseUrl`.
 */
export async function startConsole(
  stack: Pick<IsolatedStack, 'env' | 'pool'>,
  { heartbeatMs, notificationTiming }: { heartbeatMs?: number; notificationTiming?: ConsoleParts['notificationTiming'] } = {},
) {
  const config = ConsoleConfig.parse({ ...stack.env, CONSOLE_HOST: '127.0.0.1', CONSOLE_PORT: '0' });
  const service = createConsole(config, {
    logger: createLogger('console', process.env.TEST_LOG_LEVEL ?? 'silent'),
    pool: stack.pool,
    ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
    ...(notificationTiming ? { notificationTiming } : {}),
  });
  const { app, notifier, address } = await service.start();
  return { app, notifier, baseUrl: address!, close: () => service.stop() };
}
export type ConsoleUnderTest = Awaited<ReturnType<typeof startConsole>>;
