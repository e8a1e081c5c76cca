import { connect } from 'node:net';
import { z } from 'zod';
import { commonEnv } from '@backstop/config';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { eventually } from './wait';

/** Every service's SHUTDOWN_TIMEOUT_MS unless set: past it the process exits 1. */
export const SHUTDOWN_BOUND_MS = z.object(commonEnv).parse({}).SHUTDOWN_TIMEOUT_MS;

/**
 * How long a test waits for a SIGTERMed process to exit: its own bound plus a margin for a
 * busy two-core machine. A correctness bound (the process stops by itself), not a latency.
 */
export const EXIT_LIMIT_MS = SHUTDOWN_BOUND_MS + 5_000;

export interface Termination {
  /** Exit code, or 'still running' when the process outlived EXIT_LIMIT_MS (it is then killed). */
  code: number | null | 'still running';
  tookMs: number;
}

/** Sends SIGTERM and waits for the exit, at most EXIT_LIMIT_MS. */
export async function terminate(service: ServiceProcess): Promise<Termination> {
  const startedAt = Date.now();
  const code = await exitWithinLimit(service, service.stop('SIGTERM'));
  const tookMs = Date.now() - startedAt;
  process.stdout.write(`${service.name} stopped on SIGTERM: exit ${code} after ${tookMs} ms\n`);
  return { code, tookMs };
}

/**
 * Waits for a process that signals itself (FAULT_SIGNAL=SIGTERM at a fault point) to exit,
 * at most EXIT_LIMIT_MS from its 'shutting down' line; `tookMs` is what its 'stopped' line says.
 */
export async function selfTerminated(service: ServiceProcess): Promise<Termination> {
  await eventually(async () => (loggedLine(service, 'shutting down') || service.child.exitCode !== null || service.child.signalCode !== null ? true : undefined), {
    timeoutMs: 60_000,
    what: `${service.name} to reach its fault point`,
  });
  // Its output read to the end, so the 'stopped' line is in: 'close', not 'exit'. A check of
  // the stdout stream instead would race the exit, finding the stream gone but no code yet.
  const code = await exitWithinLimit(service, service.closed);
  const stopped = service.lines.find((line) => line.includes('"msg":"stopped"'));
  const tookMs = stopped ? Number(/"tookMs":(\d+)/.exec(stopped)?.[1]) : Number.NaN;
  process.stdout.write(`${service.name} stopped on a SIGTERM mid-batch: exit ${code}${code === null ? ` (signal ${service.child.signalCode})` : ''} after ${tookMs} ms\n`);
  return { code, tookMs };
}

async function exitWithinLimit(service: ServiceProcess, exited: Promise<number | null>): Promise<Termination['code']> {
  let timer: NodeJS.Timeout | undefined;
  const code = await Promise.race([
    exited,
    new Promise<'still running'>((resolve) => { timer = setTimeout(() => resolve('still running'), EXIT_LIMIT_MS); }),
  ]);
  clearTimeout(timer);
  if (code === 'still running') await service.stop('SIGKILL');
  return code;
}

/** Whether the service has written a log line containing `text` (from line `from` on). */
export function loggedLine(service: ServiceProcess, text: string, from = 0): boolean {
  return service.lines.slice(from).some((line) => line.includes(text));
}

/** Whether a new TCP connection to host:port is refused (nothing listens). */
export function connectionRefused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/**
 * An HTTP/1.1 POST written by hand so it can be left half-sent: `start` sends the headers,
 * waits until the server has taken the request in, and sends the first half of the body;
 * `finish` sends the rest; `response` resolves with the final status line's code and the
 * headers once the server answers and closes.
 *
 * Taken in means answered "100 Continue" (the request asks for it): Node writes that as it
 * hands the request to the application, so a signal sent after `start` lands on a request
 * the server already holds, not on bytes still waiting in its socket.
 */
export function halfSentRequest(url: string, path: string, headers: Record<string, string>, body: string) {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  let received = '';
  let continued: () => void = () => undefined;
  const taken = new Promise<void>((resolve) => { continued = resolve; });
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
    if (/^HTTP\/1\.1 100 /.test(received)) continued();
  });
  const response = new Promise<{ status: number; headers: string }>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('close', () => {
      const [head = ''] = received.replace(/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/, '').split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), headers: head.toLowerCase() });
    });
  });
  response.catch(() => undefined);
  return {
    async start() {
      await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
      const head = [`POST ${path} HTTP/1.1`, `host: ${target.host}`, `content-length: ${bytes.length}`, 'expect: 100-continue', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
      socket.write(`${head.join('\r\n')}\r\n\r\n`);
      await taken;
      socket.write(bytes.subarray(0, half));
    },
    finish() {
      socket.write(bytes.subarray(half));
    },
    response,
  };
}
