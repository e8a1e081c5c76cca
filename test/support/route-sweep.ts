import type { FastifyInstance } from 'fastify';

/**
 * The app's routes as `METHOD url`. Fastify adds a HEAD twin to every GET route and runs the
 * GET route's hooks and handler for it, so a twin is swept with its GET route.
 */
export function sweptRoutes(app: FastifyInstance): string[] {
  const all = app.routeTable.map((route) => `${route.method} ${route.url}`);
  const gets = new Set(app.routeTable.filter((route) => route.method === 'GET').map((route) => route.url));
  const routes = app.routeTable.filter((route) => route.method !== 'HEAD' || !gets.has(route.url)).map((route) => `${route.method} ${route.url}`);
  if (all.length === 0) throw new Error('the app recorded no routes: is it built with createFastify?');
  return [...new Set(routes)].sort();
}

/** One line per route the table cannot probe, and per probe whose route is gone. */
export function probeGaps(routes: readonly string[], probes: Readonly<Record<string, unknown>>, tableFile: string): string[] {
  const registered = new Set(routes);
  return [
    ...routes.filter((route) => !(route in probes)).map((route) => `${route} has no isolation probe: add one to ${tableFile} saying how tenant A's credentials are kept from tenant B's data`),
    ...Object.keys(probes).filter((route) => !registered.has(route)).map((route) => `${route} is probed in ${tableFile} but no longer registered: remove its probe`),
  ];
}

/** The other tenant's values found in an answer, except those the request itself carried. */
export function leakedValues(answer: string, request: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => answer.includes(secret) && !request.includes(secret));
}
