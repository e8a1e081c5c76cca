import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRedis } from '@backstop/redis';

/** A free TCP port on this machine, for a private server. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A redis-server of a fault test's own, without persistence: restarting it loses every key,
 * as a Redis without AOF or with a lost disk does. The shared Redis is never touched.
 */
export class PrivateRedis {
  private server: ChildProcess | undefined;

  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const client = createRedis(this.url, 'fault-test-probe');
    client.on('error', () => undefined);
    try {
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  /** SIGKILL: no chance to save anything. */
  async kill(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
}
