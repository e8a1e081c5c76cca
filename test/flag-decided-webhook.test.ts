import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveRefundPolicy } from '@backstop/ledger';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { FlagDecided } from '../services/console/src/notifications/flag-decided';
import { linkNotifications } from '../services/console/src/notifications/link-notifications';
import { startConsole, type ConsoleUnderTest } from './support/console';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';
import { metricSum, scrapeMetrics } from './support/metrics';
import { paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';
import { eventually } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

describe('flag.decided: the payer link posted to the platform, signed, retried until taken', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let served: ConsoleUnderTest;
  let platform: WebhookReceiver;
  let received: WebhookReceiver['received'];
  const keys: Record<string, string> = {};

  const put = async (key: string, body: unknown) => {
    const response = await fetch(`${served.baseUrl}/v1/notification-webhook`, {
      method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() as { data: { secret: string } } };
  };
  const deliveries = async (key: string, query = '') => {
    const response = await fetch(`${served.baseUrl}/v1/notifications${query}`, { headers: { authorization: `Bearer ${key}` } });
    return ((await response.json()) as { data: { decisionId: string; attempts: number; deliveredAt: string | null; gaveUpAt: string | null; nextAttemptAt: string | null; lastError: string | null }[] }).data;
  };
  const decisionOf = async (paymentId: string) =>
    (await db.pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE payment_id = $1', [paymentId])).rows[0]!.decision_id;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    for (const tenantId of ['shop-a', 'shop-down']) {
      await createTenant(db.pool, { tenantId, name: tenantId });
      keys[`admin-${tenantId}`] = (await createApiKey(db.pool, tenantId, 'admin')).apiKey;
    }
    keys.platformA = (await createApiKey(db.pool, 'shop-a', 'platform')).apiKey;
    // The platform's endpoint is down for the first two attempts.
    platform = await startWebhookReceiver((earlier) => (earlier < 2 ? 503 : 204));
    ({ received } = platform);
    served = await startConsole({ env: { DATABASE_URL: db.databaseUrl }, pool: db.pool }, { notificationTiming: { pollMs: 50, retryBaseMs: 100, retryCapMs: 400 } });
  }, 60_000);

  afterAll(async () => {
    await served?.close();
    await platform?.close();
    await db?.close();
  });

  it('refuses a bad endpoint with problem+json and stores nothing', async () => {
    for (const url of ['ftp://platform.example/hook', 'not a url', '']) {
      const answer = await put(keys['admin-shop-a']!, { url });
      expect([answer.status, answer.type], url).toEqual([400, 'application/problem+json; charset=utf-8']);
    }
    expect((await put(keys.platformA!, { url: 'http://127.0.0.1:1/' })).status).toBe(403);
    expect((await db.pool.query('SELECT 1 FROM notification_webhooks')).rowCount).toBe(0);
    expect(metricSum(await scrapeMetrics(served.baseUrl), 'backstop_console_rejected_total', { reason: 'invalid-notification-webhook' })).toBe(3);
  });

  it('posts each new decision once, with the payer link, until the platform takes it', async () => {
    const before = paidTwiceFlag('shop-a');
    await recordAsRefundWorker(db.pool, [before]);
    const { secret } = (await put(keys['admin-shop-a']!, { url: platform.url('/backstop') })).body.data;
    const flag = paidTwiceFlag('shop-a');
    await recordAsRefundWorker(db.pool, [flag]);
    const decisionId = await decisionOf(flag.payment.paymentId);

    const delivered = await eventually(async () => (await deliveries(keys.platformA!, '?status=delivered')).find((d) => d.decisionId === decisionId), { what: 'the event delivered' });
    expect(delivered).toMatchObject({ attempts: 3, lastError: null });
    expect(received.map((r) => r.answered)).toEqual([503, 503, 204]);
    expect(new Set(received.map((r) => r.headers['webhook-id']))).toEqual(new Set([`flagdecided_${decisionId}`]));
    expect(new Set(received.map((r) => r.body)).size).toBe(1);

    const event = FlagDecided.parse(new Webhook(secret).verify(received[2]!.body, received[2]!.headers as Record<string, string>));
    expect(event).toMatchObject({ type: 'flag.decided', data: { decisionId, flagId: flag.flagId, payerId: flag.payment.payerId, amount: 3000, currency: 'CNY' } });
    expect(event.data.payerMessage.en).toBe(`You paid order ${flag.payment.orderId} twice on Nov 26, 10:02 (CN¥30.00 each).`);
    expect(event.data.payerMessage.zh).toContain('支付了两次');
    const page = await fetch(event.data.payerLink.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(flag.payment.orderId);

    // The decision made before the endpoint was configured was never posted: the delivered one is the marker.
    const earlier = await decisionOf(before.payment.paymentId);
    expect(received.some((r) => r.body.includes(earlier))).toBe(false);
    expect((await db.pool.query('SELECT 1 FROM flag_notifications WHERE decision_id = $1', [earlier])).rowCount).toBe(0);
    expect(metricSum(await scrapeMetrics(served.baseUrl), 'backstop_console_notifications_total', { outcome: 'failed' })).toBeGreaterThanOrEqual(2);
  });

  it('shows a delivery that keeps failing, with its last error, to its own tenant only', async () => {
    await put(keys['admin-shop-down']!, { url: 'http://127.0.0.1:1/unreachable' });
    const flag = paidTwiceFlag('shop-down');
    await recordAsRefundWorker(db.pool, [flag]);
    const decisionId = await decisionOf(flag.payment.paymentId);
    const failing = await eventually(async () => {
      const found = (await deliveries(keys['admin-shop-down']!, '?status=pending')).find((d) => d.decisionId === decisionId);
      return found && found.attempts >= 2 ? found : undefined;
    }, { what: 'two failed attempts' });
    expect(failing.lastError).toBeTruthy();
    expect(failing.deliveredAt).toBeNull();
    expect((await deliveries(keys.platformA!)).some((d) => d.decisionId === decisionId)).toBe(false);
  });

  it('gives up an event whose payer link expired before the platform took it, and stops posting it', async () => {
    await put(keys['admin-shop-down']!, { url: 'http://127.0.0.1:1/unreachable' });
    const flag = paidTwiceFlag('shop-down');
    await recordAsRefundWorker(db.pool, [flag]);
    const decisionId = await decisionOf(flag.payment.paymentId);
    await eventually(async () => (await deliveries(keys['admin-shop-down']!, '?status=pending')).find((d) => d.decisionId === decisionId && d.attempts >= 1), { what: 'a failed attempt' });
    // A week of refusals, shortened: the link the event carries is no longer valid.
    await db.pool.query("UPDATE payer_links SET expires_at = now() - interval '1 second' WHERE link_id = (SELECT link_id FROM flag_notifications WHERE decision_id = $1)", [decisionId]);

    const givenUp = await eventually(async () => (await deliveries(keys['admin-shop-down']!, '?status=gave-up')).find((d) => d.decisionId === decisionId), { what: 'the event given up' });
    expect(givenUp).toMatchObject({ deliveredAt: null, nextAttemptAt: null, lastError: 'gave up: the payer link expired before the platform took the event' });
    expect(givenUp.gaveUpAt).not.toBeNull();
    expect((await deliveries(keys['admin-shop-down']!, '?status=pending')).some((d) => d.decisionId === decisionId)).toBe(false);
    expect(metricSum(await scrapeMetrics(served.baseUrl), 'backstop_console_notifications_total', { outcome: 'gave_up' })).toBeGreaterThanOrEqual(1);

    // A later event of the same tenant is still tried, again and again; the given-up one is not.
    const marker = paidTwiceFlag('shop-down');
    await recordAsRefundWorker(db.pool, [marker]);
    const markerDecision = await decisionOf(marker.payment.paymentId);
    await eventually(async () => (await deliveries(keys['admin-shop-down']!, '?status=pending')).find((d) => d.decisionId === markerDecision && d.attempts >= 2), { what: 'the marker tried twice' });
    expect((await deliveries(keys['admin-shop-down']!, '?status=gave-up')).find((d) => d.decisionId === decisionId)!.attempts).toBe(givenUp.attempts);
  });

  it('queues the event in the decision\'s own transaction: none for a shadow rule\'s record, one once a real decision replaces it', async () => {
    await saveRefundPolicy(db.pool, 'shop-a', { v: 1, rules: { 'amount.outlier': { action: 'shadow', trying: 'auto_refund' } } }, 'test');
    const outlier = buildFlag('shop-a', { type: 'amount.outlier' });
    await recordAsRefundWorker(db.pool, [outlier]);
    const decisionId = await decisionOf(outlier.payment.paymentId);
    const queued = async () => (await db.pool.query('SELECT 1 FROM flag_notifications WHERE decision_id = $1', [decisionId])).rowCount;
    expect(await queued()).toBe(0);
    await recordAsRefundWorker(db.pool, [buildFlag('shop-a', { type: 'duplicate.exact', payment: outlier.payment })]);
    expect(await decisionOf(outlier.payment.paymentId)).toBe(decisionId);
    expect(await queued()).toBe(1);
    await eventually(async () => (await deliveries(keys.platformA!, '?status=delivered')).find((d) => d.decisionId === decisionId), { what: 'the replaced decision\'s event delivered' });
  });
});

describe('flag.decided events waiting for a payer link', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    await createTenant(db.pool, { tenantId: 'shop-q', name: 'shop-q' });
  }, 60_000);

  afterAll(async () => {
    await db?.close();
  });

  it('are not held back by earlier ones whose payer has nothing to follow yet, which say why and are tried again later', async () => {
    // Decisions a payer cannot follow (a shadow rule's records), queued by hand as if their
    // events had been written before the decisions became shadows: the oldest in the queue.
    await saveRefundPolicy(db.pool, 'shop-q', { v: 1, rules: { 'amount.outlier': { action: 'shadow', trying: 'auto_refund' } } }, 'test');
    const shadows = Array.from({ length: 3 }, () => buildFlag('shop-q', { type: 'amount.outlier' }));
    await recordAsRefundWorker(db.pool, shadows);
    for (const shadow of shadows) {
      await db.pool.query(
        "INSERT INTO flag_notifications (decision_id, tenant_id, flag_id, created_at, next_attempt_at) VALUES ($1, 'shop-q', $2, now() - interval '1 hour', now() - interval '1 hour')",
        [await decisionOf(shadow.payment.paymentId), shadow.flagId],
      );
    }
    await db.pool.query("INSERT INTO notification_webhooks (tenant_id, url, secret) VALUES ('shop-q', 'http://127.0.0.1:1/hook', 'whsec_dGVzdA==')");
    const followed = paidTwiceFlag('shop-q');
    await recordAsRefundWorker(db.pool, [followed]);
    const followedDecision = await decisionOf(followed.payment.paymentId);

    // Two at a time, the three stuck ones first: the third pass at the latest reaches the one behind them.
    for (let pass = 0; pass < 3; pass += 1) await linkNotifications(db.pool, { now: new Date(), batchSize: 2 });
    const rows = await db.pool.query<{ decision_id: string; link_id: string | null; attempts: number; last_error: string | null; next_attempt_at: Date }>(
      'SELECT decision_id, link_id, attempts, last_error, next_attempt_at FROM flag_notifications ORDER BY created_at',
    );
    const linked = rows.rows.find((row) => row.decision_id === followedDecision);
    expect(linked).toMatchObject({ attempts: 0, last_error: null });
    expect(linked!.link_id).not.toBeNull();
    const waiting = rows.rows.filter((row) => row.decision_id !== followedDecision);
    expect(waiting).toHaveLength(3);
    for (const row of waiting) {
      expect(row).toMatchObject({ link_id: null, attempts: 1, last_error: 'no decision the payer can follow on this flag yet' });
      expect(row.next_attempt_at.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('are given up once they could not be linked for as long as a link lives, and then left alone', async () => {
    const shadow = buildFlag('shop-q', { type: 'amount.outlier' });
    await recordAsRefundWorker(db.pool, [shadow]);
    const decisionId = await decisionOf(shadow.payment.paymentId);
    // Queued and first tried at one instant of this clock: Postgres's now() has microseconds, a
    // Date only milliseconds, so a pass at new Date() could come "before" a row queued by now().
    const queuedAt = new Date();
    await db.pool.query("INSERT INTO flag_notifications (decision_id, tenant_id, flag_id, created_at, next_attempt_at) VALUES ($1, 'shop-q', $2, $3, $3)", [decisionId, shadow.flagId, queuedAt]);
    const row = async () => (await db.pool.query<{ attempts: number; last_error: string | null; gave_up_at: Date | null }>(
      'SELECT attempts, last_error, gave_up_at FROM flag_notifications WHERE decision_id = $1', [decisionId])).rows[0]!;

    await linkNotifications(db.pool, { now: queuedAt, linkHours: 1 });
    expect(await row()).toMatchObject({ attempts: 1, gave_up_at: null });

    let gaveUp = 0;
    const later = new Date(queuedAt.getTime() + 2 * 3_600_000);
    await linkNotifications(db.pool, { now: later, linkHours: 1, onGiveUp: () => (gaveUp += 1) });
    expect(await row()).toMatchObject({ attempts: 2, last_error: 'gave up: not linked within 1 h (no decision the payer can follow on this flag yet)', gave_up_at: later });
    // The earlier test's stuck events (same tenant, as old) were given up in the same pass: each counted once.
    const givenUpNow = await db.pool.query('SELECT 1 FROM flag_notifications WHERE gave_up_at = $1', [later]);
    expect(gaveUp).toBe(givenUpNow.rowCount);
    await linkNotifications(db.pool, { now: new Date(later.getTime() + 3_600_000), linkHours: 1 });
    expect((await row()).attempts).toBe(2);
  });

  const decisionOf = async (paymentId: string) =>
    (await db.pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE payment_id = $1', [paymentId])).rows[0]!.decision_id;
});
