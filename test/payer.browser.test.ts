import { mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { saveRefundPolicy, transitionDecisions } from '@backstop/ledger';
import { inTransaction } from '@backstop/postgres';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { launchChromium } from './support/chromium';
import { startConsole, type ConsoleUnderTest } from './support/console';
import { createIsolatedDatabase } from './support/database';
import { moveDecision, paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';
import { eventually } from './support/wait';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver';

const screenshotDir = fileURLToPath(new URL('../test-results/payer/', import.meta.url));

describe('the payer\'s page in a real browser, in Chinese and English', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let served: ConsoleUnderTest;
  let browser: Browser;
  let platformKey: string;
  let opsKey: string;
  let reviewed: Flag;
  /** The platform's endpoint for flag.decided events, taking every one. */
  let platform: WebhookReceiver;

  const linkFor = async (flag: Flag) => {
    const response = await fetch(`${served.baseUrl}/v1/flags/${flag.flagId}/payer-links`, { method: 'POST', headers: { authorization: `Bearer ${platformKey}` } });
    expect(response.status).toBe(201);
    return ((await response.json()) as { url: string }).url;
  };
  const pageIn = async (locale: string) => (await browser.newContext({ locale, viewport: { width: 720, height: 900 } })).newPage();

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    await createTenant(db.pool, { tenantId: 'shop-r', name: 'Shop R' });
    await saveRefundPolicy(db.pool, 'shop-r', { v: 1, rules: { 'duplicate.exact': { action: 'review' } } }, 'test');
    platformKey = (await createApiKey(db.pool, 'shop-r', 'platform')).apiKey;
    opsKey = (await createApiKey(db.pool, 'shop-r', 'ops')).apiKey;
    platform = await startWebhookReceiver();
    await db.pool.query("INSERT INTO notification_webhooks (tenant_id, url, secret) VALUES ('shop-r', $1, 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==')", [platform.url('/events')]);
    reviewed = paidTwiceFlag('shop-r');
    await recordAsRefundWorker(db.pool, [reviewed]);
    served = await startConsole({ env: { DATABASE_URL: db.databaseUrl }, pool: db.pool }, { notificationTiming: { pollMs: 50 } });
    browser = await launchChromium();
    mkdirSync(screenshotDir, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await platform?.close();
    await db?.close();
  });

  it('opens in the browser\'s language, switches language, and takes the answer once', async () => {
    const url = await linkFor(reviewed);
    const orderId = reviewed.payment.orderId;

    const zh = await pageIn('zh-CN');
    await zh.goto(url);
    expect(await zh.locator('h1').textContent()).toBe('关于您的付款');
    expect(await zh.locator('#happened').textContent()).toBe(`您在 11月26日 10:02 为订单 ${orderId} 支付了两次（每次 ¥30.00）。`);
    expect(await zh.locator('#next').textContent()).toContain('商家正在核实');
    expect(await zh.locator('li.current').textContent()).toBe('人工核实中' + (await zh.locator('li.current time').textContent()));
    expect(await zh.locator('#evidence-pdf').textContent()).toBe('下载证据文件（PDF）');
    expect(await zh.locator('#evidence-json').textContent()).toBe('下载带签名的证据文件（JSON）');
    await zh.screenshot({ path: `${screenshotDir}payer-page-zh.png`, fullPage: true });

    await zh.click('nav a[hreflang="en"]');
    await zh.locator('h1', { hasText: 'About your payment' }).waitFor();
    expect(await zh.locator('#happened').textContent()).toBe(`You paid order ${orderId} twice on Nov 26, 10:02 (CN¥30.00 each).`);

    const en = await pageIn('en-US');
    await en.goto(url);
    expect(await en.locator('#payments tbody tr').count()).toBe(2);
    expect(await en.locator('#evidence-pdf').textContent()).toBe('Download the evidence file (PDF)');
    expect(await en.locator('#evidence-json').textContent()).toBe('Download the signed evidence file (JSON)');
    // The links download the files themselves, as the browser saves them.
    for (const [link, starts, name] of [['#evidence-pdf', '%PDF-', '.pdf'], ['#evidence-json', '{"format":"backstop.evidence.v1"', '.json']] as const) {
      const [download] = await Promise.all([en.waitForEvent('download'), en.click(link)]);
      expect(download.suggestedFilename()).toBe(`evidence-${reviewed.flagId}${name}`);
      expect(readFileSync((await download.path())!, 'latin1').startsWith(starts), link).toBe(true);
    }
    await en.screenshot({ path: `${screenshotDir}payer-page-en.png`, fullPage: true });
    await en.click('button[value="mistake"]');
    await en.locator('#answer').waitFor();
    expect(await en.locator('#answer').textContent()).toContain('You told us this was a mistake');
    expect(await en.locator('#answer-form').count()).toBe(0);
    await en.screenshot({ path: `${screenshotDir}payer-page-answered-en.png`, fullPage: true });

    // The Chinese page, reloaded, shows the answer too and offers no second one.
    await zh.goto(`${url}?lang=zh`);
    expect(await zh.locator('#answer').textContent()).toContain('您已告诉我们这是误付');
    const decision = await db.pool.query("SELECT status FROM refund_decisions WHERE tenant_id = 'shop-r' AND payment_id = $1", [reviewed.payment.paymentId]);
    expect(decision.rows[0]).toEqual({ status: 'pending_review' });
  }, 60_000);

  it('shows a tampered link the plain "not valid" page', async () => {
    const url = await linkFor(reviewed);
    const page = await pageIn('zh-CN');
    const response = await page.goto(`${url.slice(0, -1)}${url.endsWith('A') ? 'B' : 'A'}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('#not-valid').textContent()).toContain('此链接无效');
    await page.screenshot({ path: `${screenshotDir}payer-link-not-valid.png`, fullPage: true });
  }, 60_000);

  it('shows ops the payer\'s answer in the review queue and the delivered notice, in both languages', async () => {
    await eventually(async () => (platform.received.length > 0 ? true : undefined), { what: 'the flag.decided event delivered' });
    const answered = await db.pool.query('SELECT 1 FROM payer_answers');
    expect(answered.rowCount).toBe(1);
    const page = await pageIn('en-US');
    await page.setViewportSize({ width: 1400, height: 700 });
    await page.goto(served.baseUrl);
    await page.fill('#api-key', opsKey);
    await page.click('#sign-in button[type=submit]');
    await page.selectOption('#language', 'en');
    await page.click('.tab[data-tab="review"]');
    const row = page.locator('#review tbody tr', { hasText: reviewed.payment.payerId });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.payer-answer').textContent()).toBe('Payer says: it was a mistake');
    await page.screenshot({ path: `${screenshotDir}console-review-payer-answer-en.png` });

    await page.selectOption('#language', 'zh');
    await row.locator('.payer-answer', { hasText: '付款人表示' }).waitFor();
    expect(await row.locator('.payer-answer').textContent()).toBe('付款人表示: 是误付');

    await page.click('.tab[data-tab="notifications"]');
    const notice = page.locator('#notifications tbody tr').first();
    await notice.waitFor({ timeout: 30_000 });
    expect(await notice.textContent()).toContain('已送达');
    await page.screenshot({ path: `${screenshotDir}console-payer-notices-zh.png` });
  }, 60_000);

  it('tells the payer in Chinese, not in raw JSON, that an answer came too late or twice, and leads back', async () => {
    const stale = paidTwiceFlag('shop-r');
    const twice = paidTwiceFlag('shop-r');
    await recordAsRefundWorker(db.pool, [stale, twice]);

    // Opened while under review; a reviewer approves before the payer clicks.
    const page = await pageIn('zh-CN');
    const staleUrl = await linkFor(stale);
    await page.goto(staleUrl);
    await page.locator('#answer-form').waitFor();
    const decision = (await db.pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = 'shop-r' AND payment_id = $1", [stale.payment.paymentId])).rows[0]!.decision_id;
    const approved = await fetch(`${served.baseUrl}/v1/refunds/${decision}/approve`, { method: 'POST', headers: { authorization: `Bearer ${opsKey}` } });
    expect(approved.status).toBe(200);
    await page.click('button[value="mistake"]');
    await page.locator('#answer-refused').waitFor();
    expect(await page.locator('h1').textContent()).toBe('这笔付款已不在核实中');
    expect(await page.locator('body').textContent()).not.toContain('"type"');
    await page.screenshot({ path: `${screenshotDir}payer-answer-not-under-review-zh.png`, fullPage: true });
    await page.click('#back');
    await page.locator('h1', { hasText: '关于您的付款' }).waitFor();
    expect(await page.locator('#answer-form').count()).toBe(0);

    // One link open in two tabs, answered in both.
    const twiceUrl = await linkFor(twice);
    const [first, second] = [await pageIn('zh-CN'), await pageIn('zh-CN')];
    for (const tab of [first, second]) {
      await tab.goto(twiceUrl);
      await tab.locator('#answer-form').waitFor();
    }
    await first.click('button[value="mistake"]');
    await first.locator('#answer').waitFor();
    await second.click('button[value="intended"]');
    await second.locator('#answer-refused').waitFor();
    expect(await second.locator('h1').textContent()).toBe('您已回答过');
    await second.screenshot({ path: `${screenshotDir}payer-answer-already-answered-zh.png`, fullPage: true });
    await second.click('#back');
    await second.locator('#answer').waitFor();
    expect(await second.locator('#answer').textContent()).toContain('您已告诉我们这是误付');
  }, 60_000);

  it('shows finance both what was decided and what the platform reported on a mismatch, in either language', async () => {
    await createTenant(db.pool, { tenantId: 'shop-f', name: 'Shop F' });
    const financeKey = (await createApiKey(db.pool, 'shop-f', 'finance')).apiKey;
    const flag = paidTwiceFlag('shop-f');
    await recordAsRefundWorker(db.pool, [flag]);
    // Refunded automatically, and the platform confirmed CN¥90.00 of the CN¥30.00 decided.
    await moveDecision(db.pool, 'shop-f', flag, ['approved'], 'sent');
    const { decision_id: decisionId } = (await db.pool.query<{ decision_id: string }>("SELECT decision_id FROM refund_decisions WHERE tenant_id = 'shop-f'")).rows[0]!;
    await inTransaction(db.pool, (client) => transitionDecisions(client, [{ tenantId: 'shop-f', decisionId, from: ['sent'], to: 'succeeded', actor: 'test', confirmedAmount: 9000 }], new Date()));

    const page = await pageIn('en-US');
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(served.baseUrl);
    await page.fill('#api-key', financeKey);
    await page.click('#sign-in button[type=submit]');
    await page.selectOption('#language', 'en');
    await page.click('.tab[data-tab="finance"]');
    const row = page.locator('#mismatches-table tbody tr[data-kind="amount_mismatch"]', { hasText: flag.payment.paymentId });
    await row.waitFor({ timeout: 30_000 });
    expect(await page.locator('#mismatches-table thead').textContent()).toContain('Reported by the platform');
    expect([await row.locator('td.decided').textContent(), await row.locator('td.reported').textContent()]).toEqual(['CN¥30.00', 'CN¥90.00']);
    await page.screenshot({ path: `${screenshotDir}console-finance-mismatch-en.png`, fullPage: true });

    await page.selectOption('#language', 'zh');
    await page.click('.tab[data-tab="finance"]');
    await page.locator('#mismatches-table thead', { hasText: '平台报告金额' }).waitFor({ timeout: 30_000 });
    const zhRow = page.locator('#mismatches-table tbody tr[data-kind="amount_mismatch"]', { hasText: flag.payment.paymentId });
    expect([await zhRow.locator('td.decided').textContent(), await zhRow.locator('td.reported').textContent()]).toEqual(['¥30.00', '¥90.00']);
  }, 60_000);
});
