import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_BASE } from '@backstop/http';
import { createTenant } from '@backstop/tenancy';
import { leakedValues, probeGaps, sweptRoutes } from '../support/route-sweep';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { postEvent, signedRequest, startIngest, watchEvents, type IngestUnderTest } from '../ingest/harness';

interface Tenant {
  tenantId: string;
  secret: string;
}

interface IngestSweep {
  ingest: IngestUnderTest;
  topic: Awaited<ReturnType<typeof watchEvents>>;
  a: Tenant;
  b: Tenant;
}

type IngestProbe = (sweep: IngestSweep) => Promise<void>;

const ingestProbeTable = 'test/isolation/ingest-isolation.test.ts';

/** A public route answers the same to anyone and names no tenant and no secret. */
function publicRoute(method: 'GET' | 'HEAD', url: string): IngestProbe {
  return async ({ ingest, a, b }) => {
    const response = await ingest.app.inject({ method, url });
    expect(response.statusCode, url).toBeLessThan(400);
    expect(leakedValues(response.body, '', [a.tenantId, b.tenantId, a.secret, b.secret]), url).toEqual([]);
  };
}

/**
 * A request signed with A's secret that claims to come from B is refused as a bad signature,
 * counted, and publishes nothing: a marker sent afterwards arrives alone.
 */
function refusesCrossTenantSignature(url: string, body: (marker: string) => string): IngestProbe {
  return async ({ ingest, topic, a, b }) => {
    for (const [signer, claimed] of [[a, b], [b, a]] as const) {
      const marker = uniqueId('u_forged');
      const rejected = async () => (await ingest.metrics.rejected.get()).values.find((value) => value.labels.reason === 'invalid-signature')?.value ?? 0;
      const before = await rejected();
      const request: InjectOptions = signedRequest({ tenantId: claimed.tenantId, secret: signer.secret, body: body(marker), id: uniqueId('evt'), url });
      const response = await ingest.app.inject(request);
      expect(response.statusCode).toBe(401);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.json()).toMatchObject({ type: `${PROBLEM_BASE}invalid-signature`, status: 401 });
      expect(await rejected()).toBe(before + 1);
      await topic.expectNothingBefore(ingest.app, claimed.tenantId, claimed.secret, (_event, raw) => raw.includes(marker));
    }
  };
}

const oneEvent = (marker: string) => JSON.stringify(paymentEvent({ payerId: marker }));
const oneCheck = (marker: string) => {
  const { paymentId: _none, ...data } = (paymentEvent({ payerId: marker }) as Extract<ReturnType<typeof paymentEvent>, { type: 'payment.succeeded' }>).data;
  return JSON.stringify({ ...data, intentId: uniqueId('int') });
};
const batchOfTwo = (marker: string) => JSON.stringify({ events: [paymentEvent({ payerId: marker }), paymentEvent({ payerId: marker })] });

/** Every ingest route, `METHOD url` as registered, with how to prove it keeps tenants apart. */
const ingestProbes: Readonly<Record<string, IngestProbe>> = {
  // First, so the public routes below are read after the refused requests were counted.
  'POST /v1/webhooks/payments': refusesCrossTenantSignature('/v1/webhooks/payments', oneEvent),
  'POST /v1/webhooks/payments::batch': refusesCrossTenantSignature('/v1/webhooks/payments:batch', batchOfTwo),
  // Whose state a check reads is the signer's: another tenant's state never informs it (test/checks/check-reasons.e2e.test.ts).
  'POST /v1/checks': refusesCrossTenantSignature('/v1/checks', oneCheck),
  'GET /healthz': publicRoute('GET', '/healthz'),
  'GET /readyz': publicRoute('GET', '/readyz'),
  // Counters carry reasons, event types and routes, never a tenant.
  'GET /metrics': publicRoute('GET', '/metrics'),
  'GET /docs': publicRoute('GET', '/docs'),
  'HEAD /docs/': publicRoute('HEAD', '/docs/'),
  'GET /docs/json': publicRoute('GET', '/docs/json'),
  'GET /docs/yaml': publicRoute('GET', '/docs/yaml'),
  'GET /docs/static/index.html': publicRoute('GET', '/docs/static/index.html'),
  'GET /docs/static/swagger-initializer.js': publicRoute('GET', '/docs/static/swagger-initializer.js'),
  'GET /docs/static/*': publicRoute('GET', '/docs/static/swagger-ui.css'),
};

describe('tenant isolation across every ingest route', () => {
  let stack: IsolatedStack;
  let sweep: IngestSweep;

  beforeAll(async () => {
    // One partition, so a marker published after a refused request sits behind anything it published.
    stack = await createIsolatedStack({ paymentEvents: 1 });
    const a = { tenantId: 'alpha', secret: (await createTenant(stack.pool, { tenantId: 'alpha', name: 'Alpha' })).webhookSecret };
    const b = { tenantId: 'bravo', secret: (await createTenant(stack.pool, { tenantId: 'bravo', name: 'Bravo' })).webhookSecret };
    sweep = { ingest: await startIngest(stack), topic: await watchEvents(stack), a, b };
  });

  afterAll(async () => {
    await sweep?.topic.stop();
    await sweep?.ingest.close();
    await stack?.close();
  });

  it('has a probe for every registered route and no probe for a route that is gone', () => {
    const routes = sweptRoutes(sweep.ingest.app);
    expect(routes).toContain('POST /v1/webhooks/payments::batch');
    expect(probeGaps(routes, ingestProbes, ingestProbeTable)).toEqual([]);
  });

  it.each(Object.keys(ingestProbes))('%s keeps tenants apart', async (route) => {
    await ingestProbes[route]!(sweep);
  });

  it('remembers event ids per tenant: the same id from two tenants is two events', async () => {
    const { ingest, topic, a, b } = sweep;
    const event = paymentEvent();
    expect((await postEvent(ingest.app, a.tenantId, a.secret, event)).statusCode).toBe(202);
    expect((await postEvent(ingest.app, b.tenantId, b.secret, event)).statusCode).toBe(202);
    await topic.expectNothingBefore(ingest.app, a.tenantId, a.secret, () => false);
    const published = topic.events().filter((message) => message.event.id === event.id).map((message) => message.tenantId);
    expect(published.sort()).toEqual([a.tenantId, b.tenantId]);
  });
});
