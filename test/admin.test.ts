import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activeWebhookSecrets, authenticateApiKey, createApiKey, createTenant } from '@backstop/tenancy';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { startConsole, type ConsoleUnderTest } from './support/console';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('tenant administration: the CLI and the admin API', () => {
  let stack: IsolatedStack;
  let app: FastifyInstance;
  let served: ConsoleUnderTest;

  const cli = async (...args: string[]) => {
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'services/console/src/cli/index.ts', ...args], {
        cwd: repoRoot, env: { ...process.env, DATABASE_URL: stack.databaseUrl },
      });
      return { code: 0, output: JSON.parse(stdout) as Record<string, unknown>, stderr: '' };
    } catch (error) {
      const failure = error as { code: number; stderr: string };
      return { code: failure.code, output: {}, stderr: failure.stderr };
    }
  };
  const call = (method: 'POST' | 'DELETE', url: string, key: string, payload?: object) =>
    app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    stack = await createIsolatedStack();
    served = await startConsole(stack);
    app = served.app;
  });
  afterAll(async () => {
    await served?.close();
    await stack?.close();
  }, 60_000);

  it('creates a tenant and keys from the CLI; a revoked key stops working', async () => {
    const tenant = await cli('tenant', 'create', 'acme', '--name', 'Acme Cards', '--time-zone', 'Asia/Shanghai');
    expect(tenant.code).toBe(0);
    expect(tenant.output.webhookSecret).toMatch(/^whsec_/);
    const key = await cli('key', 'create', '--tenant', 'acme', '--role', 'finance');
    expect(key.code).toBe(0);
    expect(await authenticateApiKey(stack.pool, key.output.apiKey as string)).toMatchObject({ tenantId: 'acme', role: 'finance' });
    expect((await cli('key', 'revoke', key.output.keyId as string)).output).toMatchObject({ revoked: true });
    expect(await authenticateApiKey(stack.pool, key.output.apiKey as string)).toBeNull();
  });

  it('rotates webhook secrets from the CLI: two at most, then the old one retires', async () => {
    await cli('tenant', 'create', 'rotor');
    const [original] = await activeWebhookSecrets(stack.pool, 'rotor');
    const rotated = await cli('secret', 'rotate', '--tenant', 'rotor');
    expect(await activeWebhookSecrets(stack.pool, 'rotor')).toEqual([rotated.output.webhookSecret, original]);
    const again = await cli('secret', 'rotate', '--tenant', 'rotor');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('retire the old one first');
    await cli('secret', 'retire-old', '--tenant', 'rotor');
    expect(await activeWebhookSecrets(stack.pool, 'rotor')).toEqual([rotated.output.webhookSecret]);
  });

  it('answers bad CLI arguments with a usage error and changes nothing', async () => {
    for (const args of [['tenant'], ['tenant', 'create'], ['tenant', 'create', 'Bad Name'], ['key', 'create', '--tenant', 'acme'],
      ['key', 'create', '--tenant', 'acme', '--role', 'root'], ['key', 'create', '--tenant', 'ghost', '--role', 'ops'], ['key', 'revoke', 'xyz'],
      ['secret', 'rotate'], ['tenant', 'create', 'x', '--colour', 'red']]) {
      const result = await cli(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.length, args.join(' ')).toBeGreaterThan(0);
    }
    const tenants = await stack.pool.query('SELECT tenant_id FROM tenants ORDER BY tenant_id');
    expect(tenants.rows.map((r) => r.tenant_id)).toEqual(['acme', 'rotor']);
  });

  it('offers the same operations in the admin API, each to the right role and tenant', async () => {
    const operator = (await createApiKey(stack.pool, null, 'operator')).apiKey;
    const created = await call('POST', '/v1/admin/tenants', operator, { tenantId: 'globex', name: 'Globex' });
    expect(created.statusCode).toBe(201);
    expect((await call('POST', '/v1/admin/tenants', operator, { tenantId: 'globex', name: 'Globex' })).statusCode).toBe(409);
    await createTenant(stack.pool, { tenantId: 'initech', name: 'Initech' });
    const admin = (await createApiKey(stack.pool, 'globex', 'admin')).apiKey;
    const ops = (await createApiKey(stack.pool, 'globex', 'ops')).apiKey;

    expect((await call('POST', '/v1/admin/tenants', admin, { tenantId: 'x1', name: 'x' })).statusCode).toBe(403);
    expect((await call('POST', '/v1/admin/keys', ops, { role: 'ops' })).statusCode).toBe(403);
    const newKey = await call('POST', '/v1/admin/keys', admin, { role: 'finance' });
    expect(newKey.statusCode).toBe(201);
    expect(newKey.json()).toMatchObject({ tenantId: 'globex', role: 'finance' });
    expect((await call('POST', '/v1/admin/keys', admin, { tenantId: 'initech', role: 'ops' })).statusCode).toBe(404);
    expect((await call('POST', '/v1/admin/keys', admin, { role: 'operator' })).statusCode).toBe(403);

    const initechKey = (await createApiKey(stack.pool, 'initech', 'ops')).keyId;
    expect((await call('DELETE', `/v1/admin/keys/${initechKey}`, admin)).statusCode).toBe(404);
    expect((await call('DELETE', `/v1/admin/keys/${newKey.json().keyId}`, admin)).statusCode).toBe(204);

    expect((await call('POST', '/v1/admin/secrets/rotate', admin, {})).statusCode).toBe(201);
    expect((await call('POST', '/v1/admin/secrets/rotate', admin, {})).statusCode).toBe(409);
    expect((await call('POST', '/v1/admin/secrets/retire-old', admin, {})).json()).toMatchObject({ retired: 1 });
    expect((await call('POST', '/v1/admin/keys', admin, { role: 'ops', extra: 1 })).statusCode).toBe(400);
  });

  it('shows and sets the refund policy and the detector rules from the CLI, refusing invalid documents', async () => {
    await cli('tenant', 'create', 'tuner');
    const dir = mkdtempSync(join(tmpdir(), 'backstop-cli-'));
    const file = (name: string, document: unknown) => {
      writeFileSync(join(dir, name), typeof document === 'string' ? document : JSON.stringify(document));
      return join(dir, name);
    };
    expect((await cli('policy', 'show', '--tenant', 'tuner')).output).toMatchObject({ v: 1, killSwitch: false });
    expect((await cli('policy', 'set', '--tenant', 'tuner', '--file', file('policy.json', { v: 1, killSwitch: true }))).code).toBe(0);
    expect((await cli('policy', 'show', '--tenant', 'tuner')).output).toMatchObject({ killSwitch: true });
    const badPolicy = await cli('policy', 'set', '--tenant', 'tuner', '--file', file('bad.json', { v: 1, rules: { 'duplicate.exact': { action: 'everything' } } }));
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain('rules.duplicate.exact.action');

    const rules = { 'duplicate.suspected': { windowSeconds: 300 }, 'velocity.burst': { enabled: false } };
    expect((await cli('rules', 'set', '--tenant', 'tuner', '--file', file('rules.json', rules))).code).toBe(0);
    const shown = (await cli('rules', 'show', '--tenant', 'tuner')).output as Record<string, Record<string, unknown>>;
    expect(shown['duplicate.suspected']).toMatchObject({ windowSeconds: 300, enabled: true });
    expect(shown['velocity.burst']).toMatchObject({ enabled: false });
    expect((await cli('rules', 'set', '--tenant', 'tuner', '--file', file('junk.json', '{not json'))).code).toBe(2);
    expect((await cli('rules', 'set', '--tenant', 'tuner', '--file', file('unknown.json', { 'amount.magic': {} }))).code).toBe(2);
  });

  it('offers the detector rules in the admin API to the tenant admin', async () => {
    await createTenant(stack.pool, { tenantId: 'rulers', name: 'Rulers' });
    const admin = (await createApiKey(stack.pool, 'rulers', 'admin')).apiKey;
    const ops = (await createApiKey(stack.pool, 'rulers', 'ops')).apiKey;
    const put = (key: string, payload: object) => app.inject({ method: 'PUT', url: '/v1/rules', headers: { authorization: `Bearer ${key}` }, payload });
    expect((await put(ops, {})).statusCode).toBe(403);
    const bad = await put(admin, { 'duplicate.suspected': { windowSeconds: -5 } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ type: 'https://backstop.dev/problems/invalid-rules', errors: [{ path: '$.duplicate.suspected.windowSeconds' }] });
    expect((await put(admin, { 'amount.outlier': { enabled: false } })).statusCode).toBe(200);
    const shown = await app.inject({ method: 'GET', url: '/v1/rules', headers: { authorization: `Bearer ${admin}` } });
    expect(shown.json()).toMatchObject({ data: { 'amount.outlier': { enabled: false } }, stored: { 'amount.outlier': { enabled: false } } });
  });
});
