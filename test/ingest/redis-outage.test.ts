import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import { isPortOpen } from '../../infra/kafka/broker';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent } from '../support/webhooks';
import { postEvent, startIngest, watchEvents, type IngestUnderTest } from './harness';

/** A Redis of this file's own, so stopping it disturbs nobody else. */
const port = Number(process.env.INGEST_OUTAGE_REDIS_PORT ?? 26479);

async function startRedis(): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await eventually(async () => ((await isPortOpen(port)) ? true : undefined), { what: 'the private redis-server' });
  return child;
}

async function stopRedis(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

describe('Redis goes away while platforms keep posting', () => {
  let stack: IsolatedStack;
  let redis: ChildProcess;
  let ingest: IngestUnderTest;
  let secret: string;
  const tenantId = 'cardshop';

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    redis = await startRedis();
    ingest = await startIngest(stack, { redisUrl: `redis://127.0.0.1:${port}` });
  });

  afterAll(async () => {
    await ingest?.close();
    if (redis) await stopRedis(redis);
    await stack?.close();
  });

  it('answers 503 with Retry-After quickly instead of hanging, and accepts the retry once Redis is back', async () => {
    expect((await postEvent(ingest.app, tenantId, secret, paymentEvent())).statusCode).toBe(202);

    await stopRedis(redis);
    const event = paymentEvent();
    const refused = await postEvent(ingest.app, tenantId, secret, event);
    expect(refused.statusCode).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await ingest.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);

    redis = await startRedis();
    // As a platform would: retry until accepted.
    const accepted = await eventually(async () => {
      const response = await postEvent(ingest.app, tenantId, secret, event);
      return response.statusCode === 202 ? response : undefined;
    }, { what: 'the retry to be accepted' });
    expect(accepted.json()).toMatchObject({ status: 'accepted', eventId: event.id });

    const topic = await watchEvents(stack);
    try {
      await topic.expectNothingBefore(ingest.app, tenantId, secret, () => false);
      expect(topic.events().filter((message) => message.event.id === event.id)).toHaveLength(1);
    } finally {
      await topic.stop();
    }
  });
});
