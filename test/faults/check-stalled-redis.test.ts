import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pino from 'pino';
import type { CheckAnswer } from '@backstop/contracts';
import { createPayerStateStore, PayerStateSettings } from '@backstop/detection';
import { createTenant } from '@backstop/tenancy';
import { postCheck, startIngest, type IngestUnderTest } from '../ingest/harness';
import { FaultProxy } from '../support/fault-proxy';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';
import { paymentEvent, uniqueId } from '../support/webhooks';
import { intentFor } from '../checks/intents';

/**
 * A check must never block a payment: with Redis stalled behind a fault proxy (the shared
 * Redis itself untouched), or refusing connections, ingest answers `allow` + `degraded` at
 * its deadline; once Redis answers again, checks say what the state says.
 */
describe('pre-payment checks while Redis stalls', () => {
  let stack: IsolatedStack;
  let proxy: FaultProxy;
  let ingest: IngestUnderTest;
  let secret: string;
  const tenantId = 'cardshop';
  const lines: string[] = [];
  const payerId = uniqueId('u');
  const orderId = uniqueId('ord');
  const account = '6217009876543';

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1 });
    secret = (await createTenant(stack.pool, { tenantId, name: 'Card shop' })).webhookSecret;
    const redisUrl = new URL(stack.redisUrl);
    proxy = new FaultProxy({ host: redisUrl.hostname, port: Number(redisUrl.port || 6379) });
    await proxy.accept();
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    ingest = await startIngest(stack, { redisUrl: proxy.route(stack.redisUrl), logger, env: { INGEST_CHECK_DEADLINE_MS: '50', INGEST_CHECK_MAX_IN_FLIGHT: '4' } });
    // The payer paid this order a moment ago, recorded by the detector's own state code.
    const store = createPayerStateStore(stack.redis, PayerStateSettings.parse({ REDIS_KEY_PREFIX: stack.redisPrefix }));
    const paid = paymentEvent({ payerId, orderId, recipientAccount: account }, new Date(Date.now() - 5000));
    if (paid.type !== 'payment.succeeded') throw new Error('a payment');
    await store.observe([{ tenantId, payment: { eventId: paid.id, ...paid.data, quantity: 1, occurredAt: paid.occurredAt } }]);
  }, 120_000);

  afterAll(async () => {
    proxy?.slow(0);
    await ingest?.close();
    await proxy?.refuse();
    await stack?.close();
  }, 60_000);

  const check = async () => {
    const response = await postCheck(ingest.app, tenantId, secret, intentFor({ payerId, orderId, recipientAccount: account }));
    expect(response.statusCode).toBe(200);
    return response.json() as CheckAnswer;
  };
  const degradedCount = async () => (await ingest.metrics.checks.get()).values.filter((v) => v.labels.degraded === 'true').reduce((sum, v) => sum + v.value, 0);

  it('answers from the state while Redis is quick', async () => {
    expect(await eventually(async () => {
      const answer = await check();
      return answer.degraded ? undefined : answer;
    }, { what: 'an answer that is not degraded' })).toMatchObject({ verdict: 'confirm', reasons: [{ code: 'duplicate.recent_same_order' }] });
  });

  it('answers allow + degraded when Redis stalls, counts it, and logs no account number', async () => {
    const before = await degradedCount();
    proxy.slow(3_000);
    const answer = await check();
    expect(answer).toMatchObject({ verdict: 'allow', reasons: [], degraded: true });
    expect(await degradedCount()).toBe(before + 1);
    await eventually(async () => (lines.some((line) => line.includes('checks answered allow, degraded')) ? true : undefined), { what: 'the degraded line in the log' });
    expect(lines.filter((line) => line.includes(account))).toEqual([]);

    proxy.slow(0);
    expect(await eventually(async () => {
      const again = await check();
      return again.degraded ? undefined : again;
    }, { timeoutMs: 30_000, what: 'checks to recover once Redis is quick again' })).toMatchObject({ verdict: 'confirm' });
  });

  it('sheds checks beyond those in flight while Redis stalls, answering them allow + degraded and counting them', async () => {
    const shed = async () => (await ingest.metrics.checksShed.get()).values.reduce((sum, v) => sum + v.value, 0);
    const before = await shed();
    proxy.slow(3_000);
    // Each check stays in flight for as long as its Redis call is held, long after its answer.
    for (let n = 0; n < 6; n += 1) expect(await check()).toMatchObject({ verdict: 'allow', degraded: true });
    expect(await shed()).toBeGreaterThanOrEqual(before + 2);
    proxy.slow(0);
    expect(await eventually(async () => {
      const again = await check();
      return again.degraded ? undefined : again;
    }, { timeoutMs: 30_000, what: 'checks to be computed again once the stalled ones finished' })).toMatchObject({ verdict: 'confirm' });
  });

  it('answers allow + degraded while Redis refuses connections, and recovers when it is back', async () => {
    await proxy.refuse();
    expect(await check()).toMatchObject({ verdict: 'allow', reasons: [], degraded: true });
    await proxy.accept();
    expect(await eventually(async () => {
      const again = await check();
      return again.degraded ? undefined : again;
    }, { timeoutMs: 30_000, what: 'checks to recover once Redis is back' })).toMatchObject({ verdict: 'confirm' });
  });
});
