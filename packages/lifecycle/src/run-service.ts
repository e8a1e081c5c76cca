import { logConfiguration, type Logger } from '@backstop/logging';
import { stopOnSignals, type ShutdownStep } from './stop-on-signals';

/** What every service builder returns: a logger, a start, and the steps that stop it. */
export interface BuiltService<Started> {
  readonly logger: Logger;
  start(): Promise<Started>;
  shutdownSteps(): ShutdownStep[];
}

/**
 * A service's whole `index.ts`: logs its configuration (secrets redacted), starts it, says it
 * is ready in the line `npm start` and the tests wait for, and stops it on SIGTERM or SIGINT
 * within `SHUTDOWN_TIMEOUT_MS`.
 */
export async function runService<Started>(
  config: { SHUTDOWN_TIMEOUT_MS: number },
  service: BuiltService<Started>,
  ready: (started: Started) => [fields: Record<string, unknown>, message: string],
): Promise<void> {
  logConfiguration(service.logger, config);
  let started: Started;
  try {
    started = await service.start();
  } catch (error) {
    // One line saying why (brokers refusing the credentials, an untrusted certificate, ...):
    // the process never reports ready and its orchestrator sees it exit, instead of a stack
    // trace an operator has to read between the library's retries.
    service.logger.fatal({ err: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }, 'could not start');
    process.exit(1);
  }
  const [fields, message] = ready(started);
  service.logger.info(fields, message);
  stopOnSignals(service.logger, service.shutdownSteps(), config.SHUTDOWN_TIMEOUT_MS);
}
