import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** A registry with the process's default metrics (memory, event loop lag, GC) and a service label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `/metrics` and `/healthz` for services that have no HTTP server of their own (the Kafka
 * consumers). Port 0 picks a free port; the bound address is returned.
 */
export async function startMetricsServer(registry: Registry, host: string, port: number): Promise<{ server: Server; address: string }> {
  const server = createServer((request, response) => {
    if (request.url === '/metrics') {
      registry.metrics().then(
        (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (error: Error) => response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
    } else if (request.url === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else {
      response.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"type":"https://backstop.dev/problems/not-found","title":"Not found","status":404}');
    }
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const bound = server.address();
  const address = typeof bound === 'object' && bound ? `http://${host}:${bound.port}` : `http://${host}:${port}`;
  return { server, address };
}
