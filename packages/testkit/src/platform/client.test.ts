import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '@backstop/signing';
import { seedForFile } from '../file-seed';
import { WebhookClient } from './client';
import { TrafficGenerator } from './traffic';

/** A stand-in platform endpoint that answers each attempt from a script. */
describe('WebhookClient', () => {
  const secret = generateWebhookSecret();
  let server: Server;
  let baseUrl: string;
  let script: number[] = [];
  const seen: { verified: boolean; path: string }[] = [];

  const body = (request: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => resolve(text));
    });

  beforeAll(async () => {
    server = createServer(async (request, response) => {
      const payload = await body(request);
      let verified = true;
      try {
        new Webhook(secret).verify(payload, request.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      seen.push({ verified, path: request.url ?? '' });
      const status = script.shift() ?? 202;
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () => new WebhookClient({ baseUrl, tenantId: 'demo', secret, timeoutMs: 5_000, attempts: 4 });
  const seeds = seedForFile();
  const event = () => new TrafficGenerator({ mix: { mistakes: {}, delivered: 0, retry: 0 }, payers: 10, seed: seeds.nextRun() }).next().event;

  it('retries 5xx and 429, signing every attempt so the reference verifier accepts it', async () => {
    seen.length = 0;
    script = [503, 429, 202];
    const delivery = await client().sendEvent(event());
    expect(delivery).toMatchObject({ status: 202, attempts: 3 });
    expect(seen.map((attempt) => attempt.verified)).toEqual([true, true, true]);
  });

  it('takes a 4xx other than 429 as final', async () => {
    seen.length = 0;
    script = [422];
    expect(await client().sendEvent(event())).toMatchObject({ status: 422, attempts: 1 });
  });

  it('posts batches to the batch endpoint', async () => {
    seen.length = 0;
    script = [200];
    await client().sendBatch([event(), event()]);
    expect(seen).toEqual([{ verified: true, path: '/v1/webhooks/payments:batch' }]);
  });
});
