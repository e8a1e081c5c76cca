import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED } from '@backstop/logging';
import type { ServiceProcess } from '../infra/dev/service-process';
import { seedDemoTenant, type DemoCredentials } from '../infra/dev/demo-tenant';
import { startServices, stopServices } from './support/services';
import { MISTAKE_HEAVY, sendTraffic } from './support/simulated-traffic';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { paymentEvent, postWebhook } from './support/webhooks';

describe('the logs of a full run', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let demo: DemoCredentials;

  beforeAll(async () => {
    stack = await createIsolatedStack();
    demo = await seedDemoTenant(stack.pool);
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker', 'console'], { LOG_LEVEL: 'debug' });
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('never show the demo secret, its API keys or an account number, and do show redaction at work', async () => {
    const address = (name: string) => services.find((service) => service.name === name)!.address!;
    // Traffic with every mistake (near-miss accounts included), a forged signature, and the API
    // used with each key and with a wrong one.
    const sent = await sendTraffic({ ingestUrl: address('ingest'), tenantId: demo.tenantId, secret: demo.webhookSecret, count: 300, rate: 100, mix: MISTAKE_HEAVY }).done;
    const forged = paymentEvent({ recipientAccount: '8123456789' });
    expect((await postWebhook(address('ingest'), demo.tenantId, `whsec_${Buffer.from('not the secret at all!!').toString('base64')}`, forged)).status).toBe(401);
    for (const key of [...Object.values(demo.apiKeys), 'bsk_wrong']) {
      for (const path of ['/v1/flags?limit=50', '/v1/refunds?limit=50']) await fetch(`${address('console')}${path}`, { headers: { authorization: `Bearer ${key}` } });
    }
    // Work reached the end of the pipeline, so the logs cover a real run.
    await eventually(async () => ((await stack.pool.query('SELECT count(*)::int AS n FROM refund_decisions')).rows[0].n > 0 ? true : undefined), { what: 'refund decisions' });

    const accounts = new Set<string>(['8123456789']);
    const { rows } = await stack.pool.query<{ account: string }>("SELECT DISTINCT payment->>'recipientAccount' AS account FROM flags WHERE payment ? 'recipientAccount'");
    for (const row of rows) accounts.add(row.account);
    expect(accounts.size).toBeGreaterThan(1);
    // 300 and whatever completes a planted mistake queued at the end.
    expect(sent.length).toBeGreaterThanOrEqual(300);

    // A payer link issued, opened, tampered with and answered, its evidence files fetched, and an evidence file signed:
    // neither the link's token nor the tenant's signing keys may show in a log.
    const decided = (await stack.pool.query<{ flag_id: string }>("SELECT flag_id FROM refund_decisions WHERE status <> 'shadowed' LIMIT 1")).rows[0]!;
    const issued = await fetch(`${address('console')}/v1/flags/${decided.flag_id}/payer-links`, { method: 'POST', headers: { authorization: `Bearer ${demo.apiKeys.platform}` } });
    const { url } = (await issued.json()) as { url: string };
    const token = url.slice(url.indexOf('/p/') + 3);
    await fetch(url);
    await fetch(`${url.slice(0, -2)}xx`);
    for (const file of ['evidence.json', 'evidence.pdf']) {
      expect((await fetch(`${url}/${file}`)).status, file).toBe(200);
      expect((await fetch(`${url.slice(0, -2)}xx/${file}`)).status, file).toBe(404);
    }
    await fetch(`${url}/answer`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'answer=mistake' });
    await fetch(`${address('console')}/v1/flags/${decided.flag_id}/evidence.json`, { headers: { authorization: `Bearer ${demo.apiKeys.ops}` } });
    const keys = (await stack.pool.query<{ link_secret: Buffer; evidence_private_key: Buffer }>('SELECT link_secret, evidence_private_key FROM tenant_signing_keys')).rows;
    expect(keys.length).toBe(1);
    const signingSecrets = keys.flatMap((key) => [key.link_secret.toString('hex'), key.link_secret.toString('base64'), key.evidence_private_key.toString('base64')]);

    const secrets = [demo.webhookSecret, demo.webhookSecret.replace(/^whsec_/, ''), ...Object.values(demo.apiKeys), ...accounts, token, ...signingSecrets];
    for (const service of services) {
      const logs = service.lines.join('\n');
      expect(service.lines.length, service.name).toBeGreaterThan(0);
      for (const secret of secrets) expect(logs.includes(secret), `${service.name} logged ${secret.slice(0, 6)}…`).toBe(false);
      expect(logs, `${service.name} shows no redaction marker`).toContain(REDACTED);
    }
  }, 120_000);
});
