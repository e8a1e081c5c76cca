import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestedEvent } from '@backstop/contracts';
import { payerKeys } from '@backstop/detection';
import { createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { watchEvents } from './ingest/harness';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';

const screenshotDir = fileURLToPath(new URL('../test-results/', import.meta.url));

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * The checkout demo in a real browser, on real ingest, detector and console processes: a
 * second payment of one order shows the duplicate dialog in both languages, ten times the
 * card's price shows the digit-slip dialog, and cancelling sends nothing.
 */
describe('the checkout demo at /demo/checkout', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let browser: Browser;
  let page: Page;
  let topic: Awaited<ReturnType<typeof watchEvents>>;
  let payerId: string;
  let demoSecret: string;
  let consoleUrl: string;
  /** Everything the page was sent, to prove the demo tenant's secret never reached it. */
  const seenByPage: string[] = [];

  beforeAll(async () => {
    stack = await createIsolatedStack();
    demoSecret = (await createTenant(stack.pool, { tenantId: 'demo', name: 'Demo card platform' })).webhookSecret;
    // A deadline far beyond any honest answer: a degraded check would pay without a dialog, and this file proves the dialog.
    const core = await startServices(stack, ['ingest', 'detector'], { INGEST_CHECK_DEADLINE_MS: '5000' });
    const ingestUrl = core.find((s) => s.name === 'ingest')!.address!;
    services = [...core, ...(await startServices(stack, ['console'], { CONSOLE_DEMO_TENANT: 'demo', CONSOLE_DEMO_INGEST_URL: ingestUrl }))];
    consoleUrl = services.find((s) => s.name === 'console')!.address!;
    topic = await watchEvents(stack);

    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 900, height: 700 }, locale: 'en-US' });
    page.on('response', (response) => void response.text().then((text) => seenByPage.push(text), () => undefined));
    await page.goto(`${consoleUrl}/demo/checkout`);
    payerId = await page.inputValue('#payer');
    mkdirSync(screenshotDir, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await topic?.stop();
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  const logged = (kind: string) => page.locator(`#log li.${kind}`);
  const paymentsOfPayer = () =>
    topic.events().filter((message: IngestedEvent) => message.event.type === 'payment.succeeded' && message.event.data.payerId === payerId);
  /** The detector holds `count` of the payer's payments: a check now sees them. */
  const detectorHolds = (count: number) =>
    eventually(async () => {
      const fields = await stack.redis.hkeys(payerKeys(stack.redisPrefix, 'demo', payerId).seen);
      return fields.filter((field) => !field.startsWith('#')).length >= count ? true : undefined;
    }, { timeoutMs: 60_000, what: `the detector to hold ${count} payments of the demo payer` });

  it('asks again, in English and in Chinese, before a second payment of the same order', async () => {
    await page.click('#pay');
    await expect.poll(() => logged('paid').count(), { timeout: 30_000 }).toBe(1);
    await detectorHolds(1);

    await page.click('#pay');
    const reason = page.locator('#confirm[open] #reasons li[data-code="duplicate.recent_same_order"]');
    await reason.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await reason.textContent()).toMatch(/^You paid CN¥30\.00 for this order \d+ seconds? ago\. Pay again\?$/);
    await page.screenshot({ path: `${screenshotDir}checkout-dialog-en.png` });
    await page.click('#confirm-cancel');

    await page.selectOption('#language', 'zh');
    await page.click('#pay');
    await reason.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await reason.textContent()).toMatch(/^你 \d+ 秒前已为该订单支付 ¥30\.00，确定再次支付？$/);
    expect(await page.locator('#confirm-pay').textContent()).toBe('仍然支付');
    await page.screenshot({ path: `${screenshotDir}checkout-dialog-zh.png` });
    await page.click('#confirm-cancel');
    await expect.poll(() => logged('cancelled').count()).toBe(2);
  }, 120_000);

  it('sent nothing for the cancelled payments: a marker paid afterwards arrives with only the first payment before it', async () => {
    const firstOrder = await page.inputValue('#order');
    await page.click('#new-order');
    // Another card: the same one again in a new order would rightly be asked about as a repeat.
    await page.selectOption('#card', '2');
    await page.click('#pay');
    await expect.poll(() => logged('paid').count(), { timeout: 30_000 }).toBe(2);
    const marker = (await logged('paid').nth(1).getAttribute('data-payment-id'))!;
    await eventually(async () => (paymentsOfPayer().some((m) => m.event.type === 'payment.succeeded' && m.event.data.paymentId === marker) ? true : undefined), {
      what: 'the marker payment on the events topic',
    });
    const ofFirstOrder = paymentsOfPayer().filter((m) => m.event.type === 'payment.succeeded' && m.event.data.orderId === firstOrder);
    expect(ofFirstOrder).toHaveLength(1);
  }, 60_000);

  it('asks about ten times the card\'s price, and paying anyway sends the payment with the check\'s intentId', async () => {
    await detectorHolds(2);
    await page.selectOption('#language', 'en');
    await page.click('#new-order');
    await page.selectOption('#card', '0');
    await page.fill('#amount', '300.00');
    await page.click('#pay');
    const reason = page.locator('#confirm[open] #reasons li[data-code="amount.digit_slip"]');
    await reason.waitFor({ state: 'visible', timeout: 30_000 });
    expect(await reason.textContent()).toBe('CN¥300.00 is 10 times the CN¥30.00 you usually pay for this. Is the amount right?');
    await page.screenshot({ path: `${screenshotDir}checkout-dialog-digit-slip-en.png` });
    await page.click('#confirm-pay');
    await expect.poll(() => logged('paid').count(), { timeout: 30_000 }).toBe(3);
    const paid = (await logged('paid').nth(2).getAttribute('data-payment-id'))!;
    const event = await eventually(async () => paymentsOfPayer().find((m) => m.event.type === 'payment.succeeded' && m.event.data.paymentId === paid), { what: 'the confirmed payment on the events topic' });
    expect(event.event.type === 'payment.succeeded' && event.event.data.intentId).toMatch(/^int_/);
  }, 60_000);

  it('never sent the demo tenant\'s webhook secret to the page', () => {
    expect(seenByPage.length).toBeGreaterThan(5);
    const key = demoSecret.slice('whsec_'.length);
    expect(seenByPage.filter((text) => text.includes(key))).toEqual([]);
  });

  it('documents its routes in the console\'s OpenAPI document, with the bodies it takes', async () => {
    const document = (await (await fetch(`${consoleUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>> };
    for (const path of ['/demo/checkout/check', '/demo/checkout/pay']) {
      const operation = document.paths[path]?.post;
      expect(operation?.requestBody, path).toBeDefined();
      expect(Object.keys(operation!.responses), path).toEqual(expect.arrayContaining(['400', '502']));
    }
    expect(document.paths['/demo/checkout/pay']!.post!.responses).toHaveProperty('202');
  });
});
