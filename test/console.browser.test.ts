import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { launchChromium } from './support/chromium';
import { makeFlag, sendFlags } from './support/flags';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { paymentEvent, postWebhook, uniqueId } from './support/webhooks';

const screenshotDir = fileURLToPath(new URL('../test-results/', import.meta.url));

describe('console web page in a real browser', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let browser: Browser;
  let page: Page;
  let ingestUrl: string;
  let consoleUrl: string;
  let opsKey: string;
  let financeKey: string;
  const secrets: Record<string, string> = {};
  /** The order of the first duplicate, whose summary is read in both languages. */
  let firstDuplicate: string;

  async function payTwice(tenantId: string) {
    const orderId = uniqueId('ord');
    const payerId = uniqueId('u');
    for (const offset of [1000, 0]) {
      const response = await postWebhook(ingestUrl, tenantId, secrets[tenantId]!, paymentEvent({ orderId, payerId }, new Date(Date.now() - offset)));
      expect(response.status).toBe(202);
    }
    return orderId;
  }

  const feedRow = (text: string) => page.locator('#feed tbody tr', { hasText: text });

  beforeAll(async () => {
    stack = await createIsolatedStack();
    secrets['shop-a'] = (await createTenant(stack.pool, { tenantId: 'shop-a', name: 'Shop A' })).webhookSecret;
    secrets['shop-b'] = (await createTenant(stack.pool, { tenantId: 'shop-b', name: 'Shop B' })).webhookSecret;
    opsKey = (await createApiKey(stack.pool, 'shop-a', 'ops')).apiKey;
    financeKey = (await createApiKey(stack.pool, 'shop-a', 'finance')).apiKey;
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker', 'console']);
    ingestUrl = services.find((s) => s.name === 'ingest')!.address!;
    consoleUrl = services.find((s) => s.name === 'console')!.address!;

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 }, locale: 'en-US' });
    await page.goto(consoleUrl);
    await page.fill('#api-key', opsKey);
    await page.click('#sign-in button[type=submit]');
    await page.waitForSelector('#connection:has-text("live")');
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('shows a duplicate payment posted as a webhook without a reload, and writes a screenshot of it', async () => {
    const orderId = await payTwice('shop-a');
    firstDuplicate = orderId;
    const postedAt = Date.now();
    await feedRow(orderId).waitFor({ state: 'visible', timeout: 30_000 });
    console.log(`flag visible in the page ${Date.now() - postedAt} ms after the second webhook was accepted`);
    expect(await feedRow(orderId).locator('.badge.high').isVisible()).toBe(true);
    // Two ¥30.00 payments of a ¥30.00 order, read as yuan and fen, not as 6000 "CNY".
    expect(await feedRow(orderId).locator('.summary').textContent()).toBe(
      `Order ${orderId} was paid 2 times: CN¥60.00 in all against an order amount of CN¥30.00.`,
    );

    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: `${screenshotDir}console-feed.png`, fullPage: true });
  }, 60_000);

  it('never shows another tenant\'s flags', async () => {
    const orderOfB = await payTwice('shop-b');
    await eventually(async () => {
      const result = await stack.pool.query("SELECT 1 FROM flags WHERE tenant_id = 'shop-b' AND payment->>'orderId' = $1", [orderOfB]);
      return result.rowCount ? true : undefined;
    }, { what: "shop-b's flag recorded" });
    // The marker: A's flag comes after B's; once it shows, B's would have shown too.
    const marker = await payTwice('shop-a');
    await feedRow(marker).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.locator('#feed').textContent()).not.toContain(orderOfB);
  }, 60_000);

  it('approves a refund from the review queue and the decision changes', async () => {
    const flag = makeFlag('shop-a', { type: 'amount.digit_slip', severity: 'medium' });
    await sendFlags(stack.kafka, stack.topicPrefix, [flag]);
    await page.click('.tab[data-tab="review"]');
    const row = page.locator('#review tbody tr', { hasText: flag.payment.payerId });
    await eventually(async () => {
      await page.click('.tab[data-tab="review"]');
      return (await row.count()) > 0 ? true : undefined;
    }, { what: 'the flag in the review queue' });
    await row.locator('button.approve').click();
    const decision = await eventually(async () => {
      const result = await stack.pool.query<{ status: string; decided_by: string }>(
        "SELECT status, decided_by FROM refund_decisions WHERE tenant_id = 'shop-a' AND payment_id = $1", [flag.payment.paymentId]);
      return ['approved', 'sent'].includes(result.rows[0]?.status ?? '') ? result.rows[0] : undefined;
    }, { what: 'the approved decision' });
    expect(decision.decided_by).toMatch(/^key:/);
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    await page.click('.tab[data-tab="feed"]');
  }, 60_000);

  it('shows what approving refunds, and says so when another reviewer decided first instead of leaving the row', async () => {
    const flag = makeFlag('shop-a', { type: 'amount.digit_slip', severity: 'medium' });
    await sendFlags(stack.kafka, stack.topicPrefix, [flag]);
    const row = page.locator('#review tbody tr', { hasText: flag.payment.payerId });
    await eventually(async () => {
      await page.click('.tab[data-tab="review"]');
      return (await row.count()) > 0 ? true : undefined;
    }, { what: 'the flag in the review queue' });
    const decision = await stack.pool.query<{ decision_id: string; amount: number; currency: string }>(
      "SELECT decision_id, amount, currency FROM refund_decisions WHERE tenant_id = 'shop-a' AND payment_id = $1", [flag.payment.paymentId]);
    const { decision_id: decisionId, amount } = decision.rows[0]!;
    expect(await row.locator('.refund-amount').textContent()).toBe(`refund CN¥${(amount / 100).toLocaleString('en', { minimumFractionDigits: 2 })}`);

    // Another reviewer approves it while this page still shows it.
    const approved = await fetch(`${consoleUrl}/v1/refunds/${decisionId}/approve`, { method: 'POST', headers: { authorization: `Bearer ${opsKey}` } });
    expect(approved.status).toBe(200);
    page.once('dialog', (dialog) => void dialog.accept('not a mistake'));
    await row.locator('button.reject').click();
    await page.locator('#notice', { hasText: 'Someone else decided this first' }).waitFor({ state: 'visible', timeout: 30_000 });
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    const after = await stack.pool.query<{ status: string }>('SELECT status FROM refund_decisions WHERE decision_id = $1', [decisionId]);
    expect(['approved', 'sent']).toContain(after.rows[0]!.status);
    await page.click('.tab[data-tab="feed"]');
    expect(await page.locator('#notice').isHidden()).toBe(true);
  }, 60_000);

  it('switches to Chinese, and remembers it', async () => {
    expect(await page.locator('.tab[data-tab="feed"]').textContent()).toBe('Live feed');
    await page.selectOption('#language', 'zh');
    expect(await page.locator('.tab[data-tab="feed"]').textContent()).toBe('实时告警');
    expect(await page.locator('#feed thead th').first().textContent()).toBe('时间');
    await page.reload();
    await page.waitForSelector('#connection:has-text("实时")');
    expect(await page.locator('.tab[data-tab="review"]').textContent()).toBe('人工审核');
    expect(await page.locator('#feed tbody tr .badge').first().textContent()).toMatch(/^[高中低]$/);
    expect(await feedRow(firstDuplicate).locator('.summary').textContent()).toBe(
      `订单 ${firstDuplicate} 被支付了 2 次，共 ¥60.00，而订单金额为 ¥30.00。`,
    );
    await page.screenshot({ path: `${screenshotDir}console-feed-zh.png`, fullPage: true });
  }, 60_000);

  it("flags a Chinese shop's duplicate end to end and shows its own words unchanged: Postgres, the API, the page in both languages, the evidence and the CSV", async () => {
    const suffix = randomUUID().slice(0, 6);
    const names = { payerId: `王小明_${suffix}`, orderId: `订单-${suffix}`, merchantId: '卡密商城', sku: '腾讯Q币-100', category: '游戏点卡' };
    for (const offset of [1000, 0]) {
      const response = await postWebhook(ingestUrl, 'shop-a', secrets['shop-a']!, paymentEvent(names, new Date(Date.now() - offset)));
      expect(response.status).toBe(202);
    }

    const stored = await eventually(async () => {
      const result = await stack.pool.query<{ flag_id: string; payer_id: string; payment: Record<string, unknown>; evidence: { orderFlow: Record<string, unknown>[] } }>(
        "SELECT flag_id, payer_id, payment, evidence FROM flags WHERE tenant_id = 'shop-a' AND payer_id = $1", [names.payerId]);
      return result.rows[0];
    }, { what: 'the Chinese payment flagged in Postgres' });
    expect(stored.payment).toMatchObject(names);
    expect(stored.evidence.orderFlow).toContainEqual(expect.objectContaining({ orderId: names.orderId, merchantId: names.merchantId, sku: names.sku, category: names.category }));
    const decision = await eventually(async () => {
      const result = await stack.pool.query<{ order_id: string; payer_id: string; merchant_id: string }>(
        "SELECT order_id, payer_id, merchant_id FROM refund_decisions WHERE tenant_id = 'shop-a' AND order_id = $1", [names.orderId]);
      return result.rows[0];
    }, { what: 'the refund decision in Postgres' });
    expect(decision).toEqual({ order_id: names.orderId, payer_id: names.payerId, merchant_id: names.merchantId });

    const api = (path: string, key = opsKey) => fetch(`${consoleUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    const listed = (await (await api(`/v1/flags?payer=${encodeURIComponent(names.payerId)}`)).json()) as { data: { flagId: string; payerId: string; orderId: string }[] };
    expect(listed.data.map(({ flagId, payerId, orderId }) => ({ flagId, payerId, orderId }))).toEqual([{ flagId: stored.flag_id, payerId: names.payerId, orderId: names.orderId }]);
    const detail = (await (await api(`/v1/flags/${stored.flag_id}`)).json()) as { payment: Record<string, unknown> };
    expect(detail.payment).toMatchObject(names);

    // The page is in Chinese here (the test before chose it); then in English; then back.
    for (const language of ['zh', 'en', 'zh']) {
      await page.selectOption('#language', language);
      const row = feedRow(names.orderId);
      await row.waitFor({ state: 'visible', timeout: 30_000 });
      expect(await row.locator('td').nth(3).textContent()).toBe(names.payerId);
      await row.click();
      const orderFlow = page.locator('#order-flow');
      await orderFlow.waitFor({ state: 'visible' });
      for (const value of [names.orderId, names.merchantId, names.sku, names.category]) expect(await orderFlow.locator('dd', { hasText: value }).count(), value).toBeGreaterThan(0);
      if (language === 'en') await page.screenshot({ path: `${screenshotDir}console-evidence-chinese-names.png`, fullPage: true });
      await page.click('#evidence form button');
    }

    const csv = await api('/v1/refunds.csv', financeKey);
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect(bytes.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(bytes.toString('utf8')).toContain(`,${names.orderId},${names.merchantId},`);
  }, 90_000);

  it('shows finance the decisions, the daily reconciliation and a CSV download', async () => {
    await page.click('#sign-out');
    await page.fill('#api-key', financeKey);
    await page.click('#sign-in button[type=submit]');
    await page.click('.tab[data-tab="finance"]');
    await page.locator('#decisions tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
    await page.locator('#reconciliation-table tbody tr').first().waitFor({ state: 'visible', timeout: 30_000 });
    const decided = await stack.pool.query("SELECT count(*)::int AS n FROM refund_decisions WHERE tenant_id = 'shop-a' AND status <> 'shadowed'");
    const reconciliation = await page.locator('#reconciliation-table tbody').textContent();
    expect(reconciliation).toContain(`${decided.rows[0].n} ·`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#reconciliation a'),
    ]);
    expect(download.suggestedFilename()).toBe('reconciliation.csv');
    const [decisionsCsv] = await Promise.all([page.waitForEvent('download'), page.click('#decisions-csv')]);
    expect(decisionsCsv.suggestedFilename()).toBe('refund-decisions.csv');
    const rows = readFileSync(await decisionsCsv.path(), 'utf8').trim().split('\n');
    expect(rows).toHaveLength(1 + decided.rows[0].n);
    // The page is in Chinese by now, and so are the reasons, on the page and in the file.
    const refunded = rows.find((row) => row.includes(firstDuplicate));
    expect(refunded).toContain(`自动退款：支付`);
    expect(refunded).toContain(`（订单 ${firstDuplicate}）订单重复支付`);
    expect(await page.locator('#decisions tbody', { hasText: firstDuplicate }).textContent()).toContain('订单重复支付');
    await page.screenshot({ path: `${screenshotDir}console-finance-zh.png`, fullPage: true });
  }, 60_000);
});
