import pino from 'pino';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundCommand } from '@backstop/contracts';
import { setRefundWebhook } from '@backstop/ledger';
import { createLogger } from '@backstop/logging';
import { inTransaction } from '@backstop/postgres';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { startWebhookRelay, type WebhookRelay } from '../services/refund-worker/src/outbox/webhook-relay';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { startConsole } from './support/console';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';
import { eventually } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

describe('refund commands posted to the tenant\'s endpoint', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let endpoint: WebhookReceiver;
  let relay: WebhookRelay | undefined;

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    await createTenant(database.pool, { tenantId: 'hooked', name: 'Hooked' });
    // The endpoint is down for the first two attempts.
    endpoint = await startWebhookReceiver((earlier) => (earlier < 2 ? 503 : 204));
  });

  afterAll(async () => {
    await relay?.stop();
    await endpoint?.close();
    await database?.close();
  });

  it('retries with backoff until the endpoint accepts, signed the Standard Webhooks way, with one message id', async () => {
    const { received } = endpoint;
    const { secret } = await setRefundWebhook(database.pool, 'hooked', endpoint.url('/refunds'));
    const flag = buildFlag('hooked');
    await inTransaction(database.pool, (client) => recordFlags(client, [flag], new Date()));

    relay = startWebhookRelay({ pool: database.pool, logger: createLogger('test', 'silent'), pollMs: 20, retryBaseMs: 50 });
    await eventually(async () => (relay!.stats().delivered === 1 ? true : undefined), { what: 'the webhook to be delivered' });

    expect(received.map((r) => r.answered)).toEqual([503, 503, 204]);
    expect(new Set(received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    const verifier = new Webhook(secret);
    for (const delivery of received) {
      const verified = verifier.verify(delivery.body, delivery.headers as Record<string, string>);
      expect(RefundCommand.parse(verified)).toMatchObject({ paymentId: flag.payment.paymentId, idempotencyKey: `refund:hooked:${flag.payment.paymentId}` });
    }
    const outbox = await database.pool.query("SELECT attempts, published_at IS NOT NULL AS published FROM refund_outbox WHERE destination = 'webhook'");
    expect(outbox.rows).toEqual([{ attempts: 3, published: true }]);
    const decision = await database.pool.query("SELECT status FROM refund_decisions WHERE tenant_id = 'hooked'");
    expect(decision.rows).toEqual([{ status: 'sent' }]);
  });

  it('counts a redirect as a failed attempt and never follows it, so a command is not taken for delivered by the page a GET lands on', async () => {
    // Only this test's relay may take the command: its log is read below.
    await relay?.stop();
    relay = undefined;
    await createTenant(database.pool, { tenantId: 'moved', name: 'Moved' });
    // First a redirect (an endpoint moved to https, say), then the endpoint takes the POST.
    const moved = await startWebhookReceiver((earlier) => (earlier === 0 ? { status: 302, headers: { location: '/landing?token=s3cr3t' } } : 204));
    try {
      await setRefundWebhook(database.pool, 'moved', moved.url('/refunds'));
      const flag = buildFlag('moved');
      await inTransaction(database.pool, (client) => recordFlags(client, [flag], new Date()));
      const logged: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (line: string) => logged.push(line) });
      const movedRelay = startWebhookRelay({ pool: database.pool, logger, pollMs: 20, retryBaseMs: 50 });
      try {
        await eventually(async () => {
          const sent = await database.pool.query("SELECT status FROM refund_decisions WHERE tenant_id = 'moved'");
          return sent.rows[0]?.status === 'sent' ? true : undefined;
        }, { what: 'the command to be delivered after the redirect' });
      } finally {
        await movedRelay.stop();
      }
      expect(moved.received.map(({ method, path, answered }) => ({ method, path, answered }))).toEqual([
        { method: 'POST', path: '/refunds', answered: 302 },
        { method: 'POST', path: '/refunds', answered: 204 },
      ]);
      const outbox = await database.pool.query("SELECT o.attempts FROM refund_outbox o WHERE o.destination = 'webhook' AND o.tenant_id = 'moved'");
      expect(outbox.rows).toEqual([{ attempts: 2 }]);
      const failure = logged.map((line) => JSON.parse(line) as { failure?: string }).find((line) => line.failure?.startsWith('HTTP 302'));
      expect(failure?.failure).toBe(`HTTP 302: redirects are not followed; register the URL it redirects to (${new URL(moved.url('/')).origin}, another path)`);
      expect(logged.join('\n')).not.toContain('s3cr3t');
    } finally {
      await moved.close();
    }
  });

  it('waits as long as a busy endpoint asks in Retry-After, not its own few seconds of backoff', async () => {
    await relay?.stop();
    relay = undefined;
    await createTenant(database.pool, { tenantId: 'busy', name: 'Busy' });
    const busy = await startWebhookReceiver(() => ({ status: 429, headers: { 'retry-after': '1800' } }));
    try {
      await setRefundWebhook(database.pool, 'busy', busy.url('/refunds'));
      await inTransaction(database.pool, (client) => recordFlags(client, [buildFlag('busy')], new Date()));
      const busyRelay = startWebhookRelay({ pool: database.pool, logger: createLogger('test', 'silent'), pollMs: 20, retryBaseMs: 50 });
      try {
        const waitS = await eventually(async () => {
          const row = await database.pool.query<{ attempts: number; wait_s: number }>(
            "SELECT attempts, EXTRACT(EPOCH FROM next_attempt_at - now())::float8 AS wait_s FROM refund_outbox WHERE destination = 'webhook' AND tenant_id = 'busy'",
          );
          return row.rows[0]?.attempts === 1 ? row.rows[0].wait_s : undefined;
        }, { what: 'the first attempt answered 429' });
        expect(waitS).toBeGreaterThan(1_700);
        expect(waitS).toBeLessThanOrEqual(1_800);
      } finally {
        await busyRelay.stop();
      }
      expect(busy.received.map((r) => r.answered)).toEqual([429]);
    } finally {
      await busy.close();
    }
  });

  it('signs with the replaced secret beside the new one after the endpoint is registered again, so a retried command still verifies', async () => {
    await relay?.stop();
    relay = undefined;
    await createTenant(database.pool, { tenantId: 'rotated', name: 'Rotated' });
    const rotated = await startWebhookReceiver((earlier) => (earlier === 0 ? 503 : 204));
    try {
      const { secret: first } = await setRefundWebhook(database.pool, 'rotated', rotated.url('/refunds'));
      let second = '';
      await inTransaction(database.pool, (client) => recordFlags(client, [buildFlag('rotated')], new Date()));
      const rotatedRelay = startWebhookRelay({ pool: database.pool, logger: createLogger('test', 'silent'), pollMs: 20, retryBaseMs: 2_000 });
      try {
        await eventually(async () => (rotated.received.length === 1 ? true : undefined), { what: 'the first attempt, refused' });
        ({ secret: second } = await setRefundWebhook(database.pool, 'rotated', rotated.url('/refunds')));
        await eventually(async () => (rotated.received.length === 2 ? true : undefined), { what: 'the retry after the new registration' });
      } finally {
        await rotatedRelay.stop();
      }
      const [before, after] = rotated.received as [(typeof rotated.received)[number], (typeof rotated.received)[number]];
      expect(String(before.headers['webhook-signature']).split(' ')).toHaveLength(1);
      expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [first, second]) expect(() => new Webhook(secret).verify(after.body, after.headers as Record<string, string>)).not.toThrow();
    } finally {
      await rotated.close();
    }
  });

  it('tells the tenant how its endpoint\'s deliveries stand, and stops posting when the endpoint is removed', async () => {
    await relay?.stop();
    relay = undefined;
    await createTenant(database.pool, { tenantId: 'watched', name: 'Watched' });
    const keys = { admin: (await createApiKey(database.pool, 'watched', 'admin')).apiKey, finance: (await createApiKey(database.pool, 'watched', 'finance')).apiKey };
    const failing = await startWebhookReceiver(() => 500);
    const served = await startConsole({ env: { DATABASE_URL: database.databaseUrl }, pool: database.pool });
    const call = (method: 'GET' | 'DELETE', key: string) => served.app.inject({ method, url: '/v1/refund-webhook', headers: { authorization: `Bearer ${key}` } });
    try {
      expect((await call('GET', keys.finance)).statusCode).toBe(404);
      await setRefundWebhook(database.pool, 'watched', failing.url('/refunds'));
      const flag = buildFlag('watched');
      await inTransaction(database.pool, (client) => recordFlags(client, [flag], new Date()));
      const watchedRelay = startWebhookRelay({ pool: database.pool, logger: createLogger('test', 'silent'), pollMs: 20, retryBaseMs: 60_000 });
      try {
        await eventually(async () => (failing.received.length >= 1 ? true : undefined), { what: 'the first attempt, refused' });
      } finally {
        await watchedRelay.stop();
      }
      const state = await eventually(async () => {
        const answer = (await call('GET', keys.finance)).json().data;
        return answer.failing === 1 ? answer : undefined;
      }, { what: 'the failed delivery counted' });
      expect(state).toMatchObject({ url: failing.url('/refunds'), pending: 1, failing: 1, recent: [{ attempts: 1, deliveredAt: null, lastError: 'HTTP 500' }] });
      expect(JSON.stringify(state)).not.toContain('whsec_');

      expect((await call('DELETE', keys.finance)).statusCode).toBe(403);
      expect((await call('DELETE', keys.admin)).statusCode).toBe(204);
      expect((await call('GET', keys.admin)).statusCode).toBe(404);
    } finally {
      await served.close();
      await failing.close();
    }
  });
});
