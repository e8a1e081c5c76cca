import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { Jwk } from '../services/console/src/evidence/evidence-file';
import { verifyEvidenceFile } from '../services/console/src/evidence/verify-evidence';
import { signLinkToken } from '../services/console/src/payer/link-token';
import { tenantKeys } from '../services/console/src/signing/tenant-keys';
import { startConsole, type ConsoleUnderTest } from './support/console';
import { createIsolatedDatabase } from './support/database';
import { makeFlag } from './support/flags';
import { metricSum, scrapeMetrics } from './support/metrics';
import { moveDecision, paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';

type Database = Awaited<ReturnType<typeof createIsolatedDatabase>>;

describe('payer links: issued by the platform, opened by the payer, answered once, never a refund by themselves', () => {
  let db: Database;
  let served: ConsoleUnderTest;
  const keys: Record<string, string> = {};
  /** shop-a refunds duplicates at once; shop-r has a person review them. */
  let refunded: Flag;
  let reviewed: Flag;
  let declined: Flag;
  let otherOrder: Flag;
  let notified: Flag;
  let foreign: Flag;

  const issue = async (flagId: string, key: string | undefined, body?: unknown) => {
    const response = await fetch(`${served.baseUrl}/v1/flags/${flagId}/payer-links`, {
      method: 'POST',
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() as { url: string; linkId: string; expiresAt: string } };
  };
  const open = async (url: string, language = 'en') => {
    const response = await fetch(url, { headers: { 'accept-language': language } });
    return { status: response.status, headers: response.headers, html: await response.text() };
  };
  const answer = (url: string, value: string) => fetch(`${url}/answer`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `answer=${encodeURIComponent(value)}`,
  });
  const rejected = async (reason: string) => metricSum(await scrapeMetrics(served.baseUrl), 'backstop_console_rejected_total', { reason }) ?? 0;
  const count = async (sql: string, params: unknown[] = []) => Number((await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0]!.n);

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    for (const tenantId of ['shop-a', 'shop-r', 'shop-b']) await createTenant(db.pool, { tenantId, name: `Shop ${tenantId}` });
    await saveRefundPolicy(db.pool, 'shop-r', { v: 1, rules: { 'duplicate.exact': { action: 'review' } } }, 'test');
    keys.platformA = (await createApiKey(db.pool, 'shop-a', 'platform')).apiKey;
    keys.platformR = (await createApiKey(db.pool, 'shop-r', 'platform')).apiKey;
    keys.opsB = (await createApiKey(db.pool, 'shop-b', 'ops')).apiKey;
    keys.financeA = (await createApiKey(db.pool, 'shop-a', 'finance')).apiKey;
    keys.financeR = (await createApiKey(db.pool, 'shop-r', 'finance')).apiKey;
    refunded = paidTwiceFlag('shop-a');
    otherOrder = paidTwiceFlag('shop-a', { amount: 777_700 });
    otherOrder = { ...otherOrder, payment: { ...otherOrder.payment, payerId: refunded.payment.payerId } };
    notified = makeFlag('shop-a', { type: 'velocity.burst', severity: 'low' });
    reviewed = paidTwiceFlag('shop-r');
    declined = paidTwiceFlag('shop-r');
    foreign = paidTwiceFlag('shop-b');
    await recordAsRefundWorker(db.pool, [refunded, otherOrder, notified, reviewed, declined, foreign]);
    served = await startConsole({ env: { DATABASE_URL: db.databaseUrl }, pool: db.pool });
  }, 60_000);

  afterAll(async () => {
    await served?.close();
    await db?.close();
  });

  it('is issued to the platform\'s key for a flag with a decision, and to no one else', async () => {
    const link = await issue(refunded.flagId, keys.platformA);
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(new RegExp(`^${served.baseUrl}/p/pl1\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    expect((await issue(refunded.flagId, undefined)).status).toBe(401);
    expect((await issue(refunded.flagId, keys.financeA)).status).toBe(403);
    const foreignFlag = await issue(foreign.flagId, keys.platformA);
    expect([foreignFlag.status, foreignFlag.type]).toEqual([404, 'application/problem+json; charset=utf-8']);
    expect((await issue(notified.flagId, keys.platformA)).status).toBe(409);
    expect((await issue('flg_nonsense', keys.platformA)).status).toBe(404);
  });

  it('refuses a bad body with problem+json, counts it and issues nothing', async () => {
    const before = { links: await count('payer_links'), counted: await rejected('invalid-body') };
    for (const body of [{ expiresInHours: 0 }, { expiresInHours: 721 }, { expiresInHours: 1.5 }, { expiresInHours: '24' }, { other: 1 }, []]) {
      const response = await issue(refunded.flagId, keys.platformA, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.type).toContain('application/problem+json');
    }
    expect(await count('payer_links')).toBe(before.links);
    expect(await rejected('invalid-body')).toBe(before.counted + 6);
  });

  it('tells the payer in their language what happened and what happens next, and nothing else', async () => {
    const { body } = await issue(refunded.flagId, keys.platformA);
    const english = await open(body.url, 'en-US,en;q=0.9');
    expect(english.status).toBe(200);
    expect(english.headers.get('referrer-policy')).toBe('no-referrer');
    expect(english.headers.get('cache-control')).toBe('no-store');
    const orderId = refunded.payment.orderId;
    expect(english.html).toContain(`You paid order ${orderId} twice on Nov 26, 10:02 (CN¥30.00 each).`);
    expect(english.html).toContain('The second charge, CN¥30.00, is being refunded to your Alipay account; refunds of this kind usually arrive within 1 business day.');
    const chinese = await open(body.url, 'zh-CN,zh;q=0.9');
    expect(chinese.html).toContain(`您在 11月26日 10:02 为订单 ${orderId} 支付了两次（每次 ¥30.00）。`);
    expect(chinese.html).toContain('第二笔扣款 ¥30.00 正在退回您的支付宝账户');
    expect((await open(`${body.url}?lang=zh`, 'en')).html).toContain('关于您的付款');
    for (const page of [english.html, chinese.html]) {
      expect(page).toContain(refunded.evidence.fundFlow[0]!.paymentId);
      expect(page).toContain(refunded.payment.paymentId);
      // No other order of the same payer, no account number, nothing of the tenant's own.
      expect(page).not.toContain(otherOrder.payment.paymentId);
      expect(page).not.toContain(otherOrder.payment.orderId);
      expect(page).not.toContain('8000123456');
      for (const internal of [refunded.payment.payerId, refunded.payment.merchantId, 'shop-a', 'Shop shop-a', refunded.flagId, 'auto_refund']) expect(page).not.toContain(internal);
      expect(page).not.toContain('answer-form');
      expect(page).toContain(`href="${new URL(body.url).pathname}/evidence.pdf"`);
      expect(page).toContain(`href="${new URL(body.url).pathname}/evidence.json"`);
    }
    expect(english.html).toContain('Download the evidence file (PDF)');
    expect(chinese.html).toContain('下载证据文件（PDF）');
    expect(chinese.html).toContain('下载带签名的证据文件（JSON）');
  });

  it('gives the payer the evidence file, as the tenant\'s roles get it, signed, privately', async () => {
    const { body } = await issue(refunded.flagId, keys.platformA);
    const privately = (headers: Headers, fileName: string) => {
      expect(headers.get('cache-control')).toBe('no-store');
      expect(headers.get('referrer-policy')).toBe('no-referrer');
      expect(headers.get('x-robots-tag')).toBe('noindex');
      expect(headers.get('content-disposition')).toBe(`attachment; filename="${fileName}"`);
    };
    const pdf = await fetch(`${body.url}/evidence.pdf`);
    expect([pdf.status, pdf.headers.get('content-type')]).toEqual([200, 'application/pdf']);
    privately(pdf.headers, `evidence-${refunded.flagId}.pdf`);
    expect(Buffer.from(await pdf.arrayBuffer()).subarray(0, 5).toString('latin1')).toBe('%PDF-');

    const json = await fetch(`${body.url}/evidence.json`);
    expect([json.status, json.headers.get('content-type')]).toEqual([200, 'application/json; charset=utf-8']);
    privately(json.headers, `evidence-${refunded.flagId}.json`);
    const file = (await json.json()) as { document: Record<string, unknown> & { issuer: { issuedAt: string } } };
    const published = (await (await fetch(`${served.baseUrl}/.well-known/backstop/evidence-keys/shop-a`)).json()) as { keys: Jwk[] };
    expect(verifyEvidenceFile(file, published.keys[0])).toMatchObject({ ok: true, failures: [] });
    expect(JSON.stringify(file)).not.toContain('8000123456');
    // Nothing more than the file a finance reader of the tenant gets: it is made for the payer.
    const asFinance = await fetch(`${served.baseUrl}/v1/flags/${refunded.flagId}/evidence.json`, { headers: { authorization: `Bearer ${keys.financeA}` } });
    const theirs = (await asFinance.json()) as typeof file;
    expect({ ...file.document, issuer: { ...file.document.issuer, issuedAt: '' } }).toEqual({ ...theirs.document, issuer: { ...theirs.document.issuer, issuedAt: '' } });
  });

  it('follows the decision: refund sent, then confirmed', async () => {
    const { body } = await issue(refunded.flagId, keys.platformA);
    const stages = (html: string) => [...html.matchAll(/<li class="(\w+)" data-stage="(\w+)"/g)].map((m) => `${m[2]}:${m[1]}`);
    expect(stages((await open(body.url)).html)).toEqual(['detected:done', 'refund_sent:current', 'refund_confirmed:upcoming']);
    await moveDecision(db.pool, 'shop-a', refunded, ['approved'], 'sent');
    await moveDecision(db.pool, 'shop-a', refunded, ['sent'], 'succeeded');
    const done = (await open(body.url)).html;
    expect(stages(done)).toEqual(['detected:done', 'refund_sent:done', 'refund_confirmed:done']);
    expect(done).toContain('CN¥30.00 was refunded to your Alipay account on');
  });

  it('answers every link that does not open with one and the same page, and counts them', async () => {
    const live = (await issue(refunded.flagId, keys.platformA)).body;
    const revoked = (await issue(refunded.flagId, keys.platformA)).body;
    const revoke = await fetch(`${served.baseUrl}/v1/payer-links/${revoked.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.platformA}` } });
    expect(revoke.status).toBe(204);
    expect((await fetch(`${served.baseUrl}/v1/payer-links/${revoked.linkId}`, { method: 'DELETE', headers: { authorization: `Bearer ${keys.opsB}` } })).status).toBe(404);

    const token = live.url.slice(live.url.indexOf('/p/') + 3);
    const [version, payload, mac] = token.split('.') as [string, string, string];
    const secretA = (await tenantKeys(db.pool, 'shop-a')).linkSecret;
    const secretB = (await tenantKeys(db.pool, 'shop-b')).linkSecret;
    const foreignLink = (await issue(foreign.flagId, keys.opsB)).body;
    const foreignToken = foreignLink.url.slice(foreignLink.url.indexOf('/p/') + 3);
    const foreignClaims = JSON.parse(Buffer.from(foreignToken.split('.')[1]!, 'base64url').toString()) as [string, string, string, number];
    const liveClaims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as [string, string, string, number];
    // A link row that exists, in a token whose own expiry has passed.
    const expired = signLinkToken({ tenantId: 'shop-a', flagId: liveClaims[1], linkId: liveClaims[2], expiresAt: Math.floor(Date.now() / 1000) - 1 }, secretA);
    await db.pool.query("INSERT INTO payer_links (link_id, tenant_id, flag_id, issued_by, expires_at) VALUES ('ExpiredExpiredExpired0', 'shop-a', $1, 'test', now() - interval '1 second')", [refunded.flagId]);
    const expiredRow = signLinkToken({ tenantId: 'shop-a', flagId: refunded.flagId, linkId: 'ExpiredExpiredExpired0', expiresAt: Math.floor(Date.now() / 1000) + 3600 }, secretA);
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const invalid = {
      expired,
      expiredRow,
      revoked: revoked.url.slice(revoked.url.indexOf('/p/') + 3),
      tamperedClaims: `${version}.${flip(payload, 5)}.${mac}`,
      tamperedMac: `${version}.${payload}.${flip(mac, 10)}`,
      otherTenantsKey: signLinkToken({ tenantId: 'shop-a', flagId: liveClaims[1], linkId: liveClaims[2], expiresAt: liveClaims[3] }, secretB),
      otherTenantsFlag: signLinkToken({ tenantId: 'shop-a', flagId: foreignClaims[1], linkId: foreignClaims[2], expiresAt: foreignClaims[3] }, secretA),
      otherTenantsLinkOnOurFlag: signLinkToken({ tenantId: 'shop-b', flagId: liveClaims[1], linkId: foreignClaims[2], expiresAt: foreignClaims[3] }, secretB),
      unknownLink: signLinkToken({ tenantId: 'shop-a', flagId: refunded.flagId, linkId: 'NeverIssuedNeverIssued', expiresAt: liveClaims[3] }, secretA),
      garbage: 'hello',
      long: 'x'.repeat(5000),
    };
    const before = await rejected('payer-link-not-valid');
    const pages = new Set<string>();
    const answers = ['', '/evidence.pdf', '/evidence.json'];
    for (const [why, bad] of Object.entries(invalid)) {
      for (const what of answers) {
        const page = await open(`${served.baseUrl}/p/${bad}${what}`, why.length % 2 ? 'zh-CN' : 'en');
        expect(page.status, `${why}${what}`).toBe(404);
        expect(page.headers.get('content-type'), `${why}${what}`).toBe('text/html; charset=utf-8');
        expect(page.headers.get('cache-control'), `${why}${what}`).toBe('no-store');
        expect(page.headers.get('content-disposition'), `${why}${what}`).toBeNull();
        pages.add(page.html);
      }
    }
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain('This link is not valid');
    expect([...pages][0]).toContain('此链接无效');
    expect(await rejected('payer-link-not-valid')).toBe(before + Object.keys(invalid).length * answers.length);
    // The live link beside them still opens: a marker that the refusals were about the tokens.
    expect((await open(live.url)).status).toBe(200);
    expect((await open(foreignLink.url)).status).toBe(200);
  });

  it('takes the payer\'s answer once while under review, for the reviewer, and refunds nothing', async () => {
    const { body } = await issue(reviewed.flagId, keys.platformR);
    const page = await open(body.url);
    expect(page.html).toContain('answer-form');
    expect(page.html).toContain('The shop is checking it now.');
    const decision = (await db.pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['shop-r', reviewed.payment.paymentId])).rows[0]!.decision_id;

    const bad = await answer(body.url, 'maybe');
    expect([bad.status, bad.headers.get('content-type')]).toEqual([400, 'application/problem+json; charset=utf-8']);
    expect(await count('payer_answers')).toBe(0);

    const said = await answer(body.url, 'mistake');
    expect(said.status).toBe(303);
    expect(said.headers.get('location')).toMatch(/^\/p\/pl1\./);
    const again = await answer(body.url, 'intended');
    expect([again.status, ((await again.json()) as { type: string }).type]).toEqual([409, expect.stringContaining('already-answered')]);

    const after = await open(body.url);
    expect(after.html).toContain('You told us this was a mistake');
    expect(after.html).not.toContain('answer-form');
    // In the flag's information flow, where the review queue shows it with the evidence.
    const queue = await fetch(`${served.baseUrl}/v1/refunds?status=pending_review`, { headers: { authorization: `Bearer ${keys.financeR}` } });
    const listed = ((await queue.json()) as { data: { decisionId: string; status: string; evidence: { informationFlow: { payerAnswer?: { answer: string } } } }[] }).data;
    expect(listed.find((d) => d.decisionId === decision)).toMatchObject({ status: 'pending_review', evidence: { informationFlow: { payerAnswer: { answer: 'mistake', linkId: body.linkId } } } });
    // On the audit chain, which still verifies; and no refund left the building.
    const trail = await db.pool.query<{ content: { from: string; to: string; actor: string; payerAnswer?: string } }>(
      'SELECT content FROM decision_audit WHERE decision_id = $1 ORDER BY seq', [decision]);
    expect(trail.rows.map((r) => r.content)).toEqual([
      expect.objectContaining({ from: null, to: 'pending_review' }),
      expect.objectContaining({ from: 'pending_review', to: 'pending_review', actor: `payer-link:${body.linkId}`, payerAnswer: 'mistake' }),
    ]);
    expect(await verifyAuditChains(db.pool)).toMatchObject({ breaks: [], drifts: [] });
    expect(await count('refund_outbox WHERE decision_id = $1', [decision])).toBe(0);
    expect(await count('payer_answers')).toBe(1);
  });

  it('tells a declined refund\'s reason in plain words, never the reviewer\'s note', async () => {
    const { body } = await issue(declined.flagId, keys.platformR);
    const decision = (await db.pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['shop-r', declined.payment.paymentId])).rows[0]!.decision_id;
    const note = 'Called Li Wei on 13800138000: a regular, keeps it. Ticket OPS-4411';
    const verdict = await fetch(`${served.baseUrl}/v1/refunds/${decision}/false-positive`, {
      method: 'POST', headers: { authorization: `Bearer ${keys.financeR}`, 'content-type': 'application/json' }, body: JSON.stringify({ reason: note }),
    });
    expect(verdict.status).toBe(200);
    const english = await open(`${body.url}?lang=en`);
    expect(english.html).toContain('The shop checked the payment and judged that you meant to make it, so it was not refunded. If you disagree, please contact the shop.');
    expect(english.html).toContain('data-stage="declined"');
    const chinese = await open(`${body.url}?lang=zh`);
    expect(chinese.html).toContain('商家核实后认为这笔付款是您有意支付的，因此未予退款。如有异议，请联系商家。');
    for (const page of [english.html, chinese.html]) for (const part of [note, 'Li Wei', '13800138000', 'OPS-4411']) expect(page).not.toContain(part);
  });

  it('takes no answer once nobody is reviewing', async () => {
    const { body } = await issue(refunded.flagId, keys.platformA);
    const response = await answer(body.url, 'intended');
    expect(response.status).toBe(409);
    expect(((await response.json()) as { type: string }).type).toContain('not-under-review');
    const forged = await answer(`${served.baseUrl}/p/pl1.x.y`, 'mistake');
    expect(forged.status).toBe(404);
    expect(await count('payer_answers WHERE tenant_id = $1', ['shop-a'])).toBe(0);
  });

  it('tells a browser in the payer\'s language why a stale or repeated answer was not taken, and an API client in problem+json', async () => {
    const stale = paidTwiceFlag('shop-r');
    const twice = paidTwiceFlag('shop-r');
    await recordAsRefundWorker(db.pool, [stale, twice]);
    const post = (url: string, accept: string, value = 'mistake') => fetch(`${url}/answer?lang=zh`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept }, body: `answer=${value}`,
    });
    // As Chromium sends a form post.
    const browser = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
    const before = { stale: await rejected('not-under-review'), twice: await rejected('already-answered') };

    // The page was opened while under review; a reviewer decided before the payer clicked.
    const staleLink = (await issue(stale.flagId, keys.platformR)).body;
    expect((await open(`${staleLink.url}?lang=zh`)).html).toContain('answer-form');
    const decision = (await db.pool.query<{ decision_id: string }>('SELECT decision_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', ['shop-r', stale.payment.paymentId])).rows[0]!.decision_id;
    const approved = await fetch(`${served.baseUrl}/v1/refunds/${decision}/approve`, { method: 'POST', headers: { authorization: `Bearer ${keys.financeR}` } });
    expect(approved.status).toBe(200);
    const page = await post(staleLink.url, browser);
    expect([page.status, page.headers.get('content-type')]).toEqual([409, 'text/html; charset=utf-8']);
    for (const [header, value] of [['content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"],
      ['cache-control', 'no-store'], ['referrer-policy', 'no-referrer'], ['x-robots-tag', 'noindex']] as const) expect(page.headers.get(header), header).toBe(value);
    const html = await page.text();
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('这笔付款已不在核实中');
    const token = new URL(staleLink.url).pathname.split('/')[2]!;
    expect(html).toContain(`<a id="back" href="/p/${token}?lang=zh">返回您的付款页面</a>`);
    expect(html).not.toMatch(/"type"|problems\//);
    // An API client still gets the problem.
    const api = await post(staleLink.url, 'application/json');
    expect([api.status, api.headers.get('content-type')]).toEqual([409, 'application/problem+json; charset=utf-8']);
    expect(((await api.json()) as { type: string }).type).toBe('https://backstop.dev/problems/not-under-review');

    // Two tabs of one link: the first answer is taken, the second told so.
    const twiceLink = (await issue(twice.flagId, keys.platformR)).body;
    expect((await post(twiceLink.url, browser)).status).toBe(303);
    const again = await post(twiceLink.url, browser, 'intended');
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('您已回答过');
    const english = await fetch(`${twiceLink.url}/answer?lang=en`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: browser }, body: 'answer=intended',
    });
    expect(await english.text()).toContain('You have already answered');
    expect(await count('payer_answers WHERE flag_id = $1', [twice.flagId])).toBe(1);
    expect((await db.pool.query('SELECT answer FROM payer_answers WHERE flag_id = $1', [twice.flagId])).rows).toEqual([{ answer: 'mistake' }]);
    expect(await count('payer_answers WHERE flag_id = $1', [stale.flagId])).toBe(0);
    expect(await rejected('not-under-review')).toBe(before.stale + 2);
    expect(await rejected('already-answered')).toBe(before.twice + 2);
  });

  it('documents the new routes in the console\'s OpenAPI', async () => {
    const document = (await (await fetch(`${served.baseUrl}/docs/json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(document.paths['/v1/flags/{flagId}/payer-links']!)).toContain('post');
    expect(Object.keys(document.paths['/v1/payer-links/{linkId}']!)).toContain('delete');
    expect(Object.keys(document.paths['/p/{token}']!)).toContain('get');
    expect(Object.keys(document.paths['/p/{token}/answer']!)).toContain('post');
    expect(Object.keys(document.paths['/p/{token}/evidence.pdf']!)).toContain('get');
    expect(Object.keys(document.paths['/p/{token}/evidence.json']!)).toContain('get');
  });
});
