import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a real server (Postgres, Redis) that a test can switch to refuse
 * connections and back, or slow down, so a fault lands on one service without touching the
 * shared server. Refusing closes the listening socket (new connections get ECONNREFUSED) and
 * cuts every open connection, as a database that went away would. Slowing holds every chunk,
 * both ways, for a while before passing it on, as an overloaded server or a long link would:
 * each round trip takes twice the delay longer, and nothing is lost or reordered.
 */
export class FaultProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private listenPort = 0;
  private delayMs = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  get port(): number {
    return this.listenPort;
  }

  async accept(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      // A side that hangs up takes the other down once what it sent has been passed on.
      const toUpstream = this.relay(client, upstream);
      const toClient = this.relay(upstream, client);
      client.on('close', () => void toUpstream().then(() => upstream.destroy()));
      upstream.on('close', () => void toClient().then(() => client.destroy()));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listenPort, '127.0.0.1', () => resolve());
    });
    this.listenPort = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** Delays every chunk from now on by `delayMs` (0 ends it); chunks already held keep their time. */
  slow(delayMs: number): void {
    this.delayMs = delayMs;
  }

  /** A copy of `url` (postgres://..., redis://...) that goes through this proxy. */
  route(url: string): string {
    const routed = new URL(url);
    routed.hostname = '127.0.0.1';
    routed.port = String(this.listenPort);
    return routed.toString();
  }

  /**
   * Passes chunks from one socket to the other in order, each no sooner than `delayMs` after
   * it arrived. Chunks are timed on arrival, not one after another, so a slow proxy adds
   * latency without capping throughput. Returns the promise of everything passed on so far.
   */
  private relay(from: Socket, to: Socket): () => Promise<void> {
    let passed = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      const dueAt = Date.now() + this.delayMs;
      passed = passed.then(async () => {
        const wait = dueAt - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (!to.destroyed) to.write(chunk);
      });
    });
    return () => passed;
  }
}
