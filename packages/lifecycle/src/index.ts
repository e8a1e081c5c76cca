import type { Logger } from '@backstop/logging';

export type ShutdownStep = [name: string, stop: () => Promise<unknown>];

/**
 * On SIGTERM or SIGINT runs the steps in order (callers list them in reverse order of start:
 * stop taking work, finish in flight, flush, commit, close pools) and exits. A step that hangs
 * past the bound is abandoned so the process still exits.
 */
export function stopOnSignals(logger: Logger, steps: ShutdownStep[], boundMs = 25_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown exceeded its bound; exiting');
      process.exit(1);
    }, boundMs);
    deadline.unref();
    let failed = false;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: name }, 'shutdown step failed');
      }
    }
    logger.info('stopped');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  // Started by `npm start` or a test with an IPC channel: when that parent dies, so do we.
  if (process.send) process.once('disconnect', () => void stop('parent-exit'));
}

/**
 * Fault injection for crash tests: when FAULT_KILL_AT names this point, the process kills
 * itself with SIGKILL right here, exactly as a power cut would. FAULT_KILL_AFTER lets the
 * point pass that many times first.
 */
let faultHits = 0;
export function faultPoint(name: string): void {
  if (process.env.FAULT_KILL_AT !== name) return;
  faultHits += 1;
  if (faultHits > Number(process.env.FAULT_KILL_AFTER ?? 0)) process.kill(process.pid, 'SIGKILL');
}
