import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  /** As registered, with its prefix: `/v1/flags/:flagId`, `/v1/webhooks/payments::batch`. */
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on this app or its plugins, in order of registration. */
    routeTable: readonly RegisteredRoute[];
  }
}

/**
 * Records routes as they are registered. The tenant-isolation sweep reads this table so that
 * a route added later cannot escape it: Fastify offers no list of routes after the fact, and
 * its printed tree cannot tell a parameter from a literal colon.
 */
export function recordRoutes(app: FastifyInstance): void {
  const table: RegisteredRoute[] = [];
  app.decorate('routeTable', table);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) table.push({ method, url: route.url });
  });
}
