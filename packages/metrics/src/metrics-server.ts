import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry with the process's default metrics (memory, event loop lag, GC) and a service label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Resolves while the service can do its work; rejects (or throws) with the reason otherwise. */
export type ReadinessCheck = () => void | Promise<void>;

/**
 * `/metrics`, `/healthz` and `/readyz` for services that have no HTTP server of their own (the
 * Kafka consumers). `/healthz` answers while the process lives; `/readyz` answers 503 with the
 * reason once `checkReady` fails, e.g. a consumer stopped for good. Port 0 picks a free port;
 * the bound address is returned.
 */
export async function startMetricsServer(registry: Registry, host: string, port: number, checkReady: ReadinessCheck = () => undefined): Promise<{ server: Server; address: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      registry.metrics().then(
        (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (request.url === '/readyz') {
      Promise.resolve().then(checkReady).then(
        () => response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ready"}'),
        (error: Error) => response.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'not-ready', reason: error.message })),
      );
    } else {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"type":"https://backstop.dev/problems/not-found","title":"Not found","status":404}');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? `http://${host}:${bound.port}` : `http://${host}:${port}`;
  return { server, address };
}
