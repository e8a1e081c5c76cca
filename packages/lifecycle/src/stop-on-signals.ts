import type { Logger } from '@backstop/logging';

export type ShutdownStep = [name: string, stop: () => Promise<unknown>];

/**
 * On SIGTERM or SIGINT runs the steps in order (callers list them in reverse order of start:
 * stop taking work, finish in flight, flush, commit, close pools) and exits 0, or 1 when a
 * step failed. A step still running after `boundMs` is abandoned and the process exits 1,
 * naming that step: an orchestrator's SIGKILL would otherwise come without a word.
 */
export function stopOnSignals(logger: Logger, steps: ShutdownStep[], boundMs: number): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    logger.info({ signal, boundMs }, 'shutting down');
    let current = '';
    const deadline = setTimeout(() => {
      logger.error({ step: current, boundMs }, 'shutdown exceeded its bound; exiting');
      process.exit(1);
    }, boundMs);
    deadline.unref();
    let failed = false;
    for (const [name, step] of steps) {
      current = name;
      try {
        await step();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
    logger.info({ tookMs: Date.now() - startedAt }, 'stopped');
    process.exit(failed ? 1 : 0);
  };
  // `on`, not `once`: a Ctrl-C relayed by npm or tsx arrives twice, and a second signal without
  // a handler would kill the process in the middle of its shutdown.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Started by `npm start` or a test with an IPC channel: when that parent dies, so do we.
  if (process.send) process.once('disconnect', () => void stop('parent-exit'));
}
