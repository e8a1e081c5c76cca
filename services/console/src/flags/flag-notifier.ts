import { EventEmitter } from 'node:events';
import pg from 'pg';
import type { Logger } from '@backstop/logging';

/**
 * One LISTEN connection per console process, shared by every live-feed client: Postgres
 * notifies after each statement that inserts flags, and waiting readers wake up to query.
 * If the connection drops it is re-established; readers also poll, so nothing is missed.
 */
export class FlagNotifier {
  private readonly events = new EventEmitter();
  private client: pg.Client | undefined;
  private closed = false;

  constructor(private readonly connectionString: string, private readonly logger: Logger) {
    this.events.setMaxListeners(0);
  }

  async start(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'backstop-console-listen' });
    client.on('notification', () => this.events.emit('wake'));
    client.on('error', (error) => {
      this.logger.warn({ err: error }, 'flag notifications lost; reconnecting');
      void client.end().catch(() => undefined);
      setTimeout(() => void this.start().catch(() => undefined), 1_000).unref();
    });
    await client.connect();
    await client.query('LISTEN backstop_flags');
    this.client = client;
  }

  /** Resolves at the next notification, after `timeoutMs`, or when `signal` aborts, whichever comes first. */
  wait(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    // An abort listener added after the abort never fires.
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.events.off('wake', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.events.once('wake', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.events.emit('wake');
    await this.client?.end().catch(() => undefined);
  }
}
