import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { createApiKey, createTenant } from '@backstop/tenancy';
import { startConsole, type ConsoleUnderTest } from './support/console';
import { createIsolatedDatabase } from './support/database';
import { foldLookAlikes, readPageImage, shownOnPage } from './support/page-ocr';
import { moveDecision, paidTwiceFlag, recordAsRefundWorker } from './support/payer-flags';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const screenshotDir = fileURLToPath(new URL('../test-results/payer/', import.meta.url));

type EvidenceJson = {
  format: string;
  document: {
    issuer: { tenantId: string; publicKeyUrl: string; publicKey: { kid: string } };
    payment: { paymentId: string; recipientAccount: string };
    fundFlow: { paymentId: string; amount: number }[];
    decision: { amount: number; status: string; lifecycle: { from: string | null; to: string }[] };
    verification: { auditEntries: { seq: number; hash: string }[] };
  };
  signature: { keyId: string; value: string };
};

/** `npm run cli -- evidence verify …`, as a person at a terminal runs it. */
async function cliVerify(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'services/console/src/cli/index.ts', 'evidence', 'verify', ...args], {
      cwd: repoRoot, env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, timeout: 60_000,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe('evidence files: signed by the tenant\'s key, checked offline', () => {
  let db: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let served: ConsoleUnderTest;
  let flag: Flag;
  let financeKey: string;
  const folder = mkdtempSync(join(tmpdir(), 'backstop-evidence-'));

  const get = async (path: string, key?: string) => {
    const response = await fetch(`${served.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.status, type: response.headers.get('content-type'), body: await response.json() as unknown };
  };

  beforeAll(async () => {
    db = await createIsolatedDatabase();
    await createTenant(db.pool, { tenantId: 'shop-a', name: 'Shop A' });
    await createTenant(db.pool, { tenantId: 'shop-b', name: 'Shop B' });
    financeKey = (await createApiKey(db.pool, 'shop-a', 'finance')).apiKey;
    flag = paidTwiceFlag('shop-a');
    await recordAsRefundWorker(db.pool, [flag]);
    await moveDecision(db.pool, 'shop-a', flag, ['approved'], 'sent');
    await moveDecision(db.pool, 'shop-a', flag, ['sent'], 'succeeded');
    served = await startConsole({ env: { DATABASE_URL: db.databaseUrl }, pool: db.pool });
  }, 60_000);

  afterAll(async () => {
    await served?.close();
    await db?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('carries the flows, the decision\'s lifecycle and its audit entries, accounts masked', async () => {
    const answer = await get(`/v1/flags/${flag.flagId}/evidence.json`, financeKey);
    expect(answer.status).toBe(200);
    const file = answer.body as EvidenceJson;
    expect(file.format).toBe('backstop.evidence.v1');
    expect(file.document.fundFlow.map((p) => p.paymentId)).toEqual(flag.evidence.fundFlow.map((p) => p.paymentId));
    expect(file.document.payment.recipientAccount).toBe('80******56');
    expect(JSON.stringify(file)).not.toContain('8000123456');
    expect(file.document.decision.lifecycle.map((step) => `${step.from}→${step.to}`)).toEqual(['null→approved', 'approved→sent', 'sent→succeeded']);
    const stored = await db.pool.query<{ seq: string; hash: Buffer }>("SELECT seq, hash FROM decision_audit WHERE tenant_id = 'shop-a' ORDER BY seq");
    expect(file.document.verification.auditEntries.map((e) => [e.seq, e.hash])).toEqual(stored.rows.map((r) => [Number(r.seq), r.hash.toString('hex')]));
    expect(file.document.issuer.publicKeyUrl).toBe(`${served.baseUrl}/.well-known/backstop/evidence-keys/shop-a`);
  });

  it('is given to the flag\'s own tenant only', async () => {
    expect((await get(`/v1/flags/${flag.flagId}/evidence.json`)).status).toBe(401);
    const other = await get(`/v1/flags/${flag.flagId}/evidence.json`, (await createApiKey(db.pool, 'shop-b', 'ops')).apiKey);
    expect([other.status, other.type]).toEqual([404, 'application/problem+json; charset=utf-8']);
    expect((await get('/.well-known/backstop/evidence-keys/shop-b')).status).toBe(404);
  });

  it('verifies offline as issued, and names what fails once edited', async () => {
    const file = (await get(`/v1/flags/${flag.flagId}/evidence.json`, financeKey)).body as EvidenceJson;
    const key = await get('/.well-known/backstop/evidence-keys/shop-a');
    expect(key.status).toBe(200);
    const keyPath = join(folder, 'key.json');
    writeFileSync(keyPath, JSON.stringify(key.body));
    const asIssued = join(folder, 'evidence.json');
    writeFileSync(asIssued, JSON.stringify(file, null, 2));
    const good = await cliVerify(asIssued, '--key', keyPath);
    expect(good.out).toContain('verified: the file is as Backstop issued it');
    expect(good.code).toBe(0);

    const tampered = structuredClone(file);
    tampered.document.decision.amount = 300_000;
    tampered.document.fundFlow[0]!.amount = 1;
    const tamperedPath = join(folder, 'tampered.json');
    writeFileSync(tamperedPath, JSON.stringify(tampered, null, 2));
    const bad = await cliVerify(tamperedPath, '--key', keyPath);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('FAIL  section fundFlow: edited after it was signed');
    expect(bad.out).toContain('FAIL  section decision: edited after it was signed');
    expect(bad.out).toContain('ok    section payment: unchanged');
    expect(bad.out).toContain('NOT verified: 2 checks failed');

    // Without the published key the file can only be held against itself, and says so.
    expect((await cliVerify(asIssued)).out).toContain('(the key inside the file; pass --key to hold it against the published one)');
    const notAKey = join(folder, 'not-a-key.json');
    writeFileSync(notAKey, '{"kty":"RSA"}');
    expect(await cliVerify(asIssued, '--key', notAKey)).toMatchObject({ code: 2, err: expect.stringContaining('is not an Ed25519 public key') });
    expect(await cliVerify(join(folder, 'missing.json'))).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') });
  }, 120_000);

  it('renders as a PDF with an embedded CJK font whose page, read back by OCR, shows the payment ids and amounts', async () => {
    const response = await fetch(`${served.baseUrl}/v1/flags/${flag.flagId}/evidence.pdf`, { headers: { authorization: `Bearer ${financeKey}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    const pdfPath = join(folder, 'evidence.pdf');
    writeFileSync(pdfPath, Buffer.from(await response.arrayBuffer()));

    const fonts = (await run('pdffonts', [pdfPath])).stdout;
    expect(fonts).toMatch(/(WenQuanYi|NotoSans).*\byes\b/);
    const { stdout: words } = await run('pdftotext', ['-layout', pdfPath, '-']);
    for (const payment of flag.evidence.fundFlow) expect(words).toContain(payment.paymentId);
    expect(words).toContain(flag.payment.orderId);
    expect(words).toContain('CN¥30.00');
    expect(words).toContain('¥30.00 ');
    expect(words).toContain('订单重复支付');
    expect(words).toContain('资金流');
    const stored = await db.pool.query<{ hash: Buffer }>("SELECT hash FROM decision_audit WHERE tenant_id = 'shop-a' ORDER BY seq");
    for (const row of stored.rows) expect(words.replace(/\s+/g, '')).toContain(row.hash.toString('hex'));

    // The page as a reader sees it, not only its text layer: rendered, then read back by OCR.
    await run('pdftoppm', ['-png', '-r', '200', '-f', '1', '-l', '1', pdfPath, join(folder, 'page')]);
    const image = ['page-1.png', 'page-01.png'].map((name) => join(folder, name)).find((path) => existsSync(path));
    expect(image).toBeDefined();
    mkdirSync(screenshotDir, { recursive: true });
    copyFileSync(image!, join(screenshotDir, 'evidence-pdf-page-1.png'));
    const seen = foldLookAlikes(await readPageImage(image!));
    // OCR may misread a glyph or two of an id (6 as G, c as e); a page that does not show it is far off.
    const shown = (text: string, misreadings: number) => ({ text, shown: shownOnPage(text, seen, misreadings) });
    for (const payment of flag.evidence.fundFlow) expect(shown(payment.paymentId, 2)).toEqual({ text: payment.paymentId, shown: true });
    expect(shown(flag.payment.orderId, 2)).toEqual({ text: flag.payment.orderId, shown: true });
    expect(shown('CN¥30.00', 0)).toEqual({ text: 'CN¥30.00', shown: true });
    expect(shown('CN¥60.00', 0)).toEqual({ text: 'CN¥60.00', shown: true });
  }, 60_000);
});
