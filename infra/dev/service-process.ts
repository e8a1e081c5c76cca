import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['ingest', 'detector', 'refund-worker', 'console'] as const;
export type ServiceName = (typeof SERVICES)[number];

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** The log line each service writes once it is ready for work. */
const readyMessage: Record<ServiceName, string> = {
  ingest: 'ingest listening',
  detector: 'detector consuming',
  'refund-worker': 'refund worker consuming',
  console: 'console listening',
};

export interface ServiceProcess {
  name: ServiceName;
  child: ChildProcess;
  /** Every line the service wrote, for tests that inspect its logs. */
  lines: string[];
  ready: Promise<void>;
  /** The listening address an HTTP service reported, once ready. */
  address?: string;
  /**
   * The exit code once the process has exited and its output has been read to the end (null
   * when a signal ended it). Settles however the process ended, even before anyone waits.
   */
  closed: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Runs a service's index.ts in its own Node process, exactly as in production. With
 * `ownProcessGroup`, a Ctrl-C in the terminal does not reach it: the caller stops it, in order.
 */
export function startServiceProcess(
  name: ServiceName,
  env: NodeJS.ProcessEnv,
  onLine: (line: string) => void = () => undefined,
  { ownProcessGroup = false }: { ownProcessGroup?: boolean } = {},
): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/src/index.ts`], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    detached: ownProcessGroup,
  });
  const lines: string[] = [];
  let markReady: () => void = () => undefined;
  let markFailed: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    markFailed = reject;
  });
  ready.catch(() => undefined);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      onLine(line);
      if (line.includes(readyMessage[name])) {
        const address = /"address":"([^"]+)"/.exec(line)?.[1];
        if (address) service.address = address;
        markReady();
      }
    });
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => markFailed(new Error(`${name} exited (${code}) before it was ready:\n${lines.slice(-20).join('\n')}`)));
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const service: ServiceProcess = {
    name,
    child,
    lines,
    ready,
    closed,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
  return service;
}
