import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag } from '@backstop/contracts';
import { createApiKey, createTenant, revokeApiKey } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { makeFlag, sendFlags } from './support/flags';
import { startServices, stopServices } from './support/services';
import { openEventStream } from './support/sse';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { metricSum, scrapeMetrics } from './support/metrics';
import { startConsole, type ConsoleUnderTest } from './support/console';

type FlagJson = { flagId: string; tenantId: string; type: string; severity: string; payerId: string; flaggedAt: string; decision: { decisionId: string; status: string } | null; evidence?: unknown; payment?: { recipientAccount?: string } };

describe('console API: flags feed, review actions, roles and tenant isolation', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let app: FastifyInstance;
  let served: ConsoleUnderTest;
  let baseUrl: string;
  const keys: Record<string, string> = {};
  const sent: Flag[] = [];
  const start = Date.now() - 60 * 60_000;
  const at = (minutes: number) => new Date(start + minutes * 60_000);

  const get = async (path: string, key: string | undefined) => {
    const response = await app.inject({ method: 'GET', url: path, headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.statusCode, body: response.json() as Record<string, unknown>, type: response.headers['content-type'] };
  };
  const listA = async (query: string) => ((await get(`/v1/flags?limit=500&${query}`, keys.opsA)).body.data as FlagJson[]);
  const ids = (flags: { flagId: string }[]) => flags.map((f) => f.flagId).sort();

  beforeAll(async () => {
    stack = await createIsolatedStack();
    await createTenant(stack.pool, { tenantId: 'shop-a', name: 'Shop A' });
    await createTenant(stack.pool, { tenantId: 'shop-b', name: 'Shop B' });
    keys.opsA = (await createApiKey(stack.pool, 'shop-a', 'ops')).apiKey;
    keys.financeA = (await createApiKey(stack.pool, 'shop-a', 'finance')).apiKey;
    keys.opsB = (await createApiKey(stack.pool, 'shop-b', 'ops')).apiKey;
    keys.operator = (await createApiKey(stack.pool, null, 'operator')).apiKey;
    services = await startServices(stack, ['refund-worker']);
    served = await startConsole(stack, { heartbeatMs: 1_000 });
    ({ app, baseUrl } = served);

    sent.push(
      makeFlag('shop-a', { type: 'duplicate.exact', severity: 'high', payerId: 'u_alice', flaggedAt: at(1) }),
      makeFlag('shop-a', { type: 'amount.digit_slip', severity: 'medium', payerId: 'u_alice', flaggedAt: at(2) }),
      makeFlag('shop-a', { type: 'recipient.near_miss', severity: 'high', payerId: 'u_bob', recipientAccount: '8000123465', flaggedAt: at(3) }),
      makeFlag('shop-a', { type: 'velocity.burst', severity: 'low', payerId: 'u_bob', flaggedAt: at(4) }),
      makeFlag('shop-a', { type: 'amount.outlier', severity: 'low', payerId: 'u_carol', flaggedAt: at(5) }),
      makeFlag('shop-b', { type: 'duplicate.exact', severity: 'high', payerId: 'u_zed', flaggedAt: at(2) }),
      makeFlag('shop-b', { type: 'amount.digit_slip', severity: 'medium', payerId: 'u_zed', flaggedAt: at(3) }),
    );
    await sendFlags(stack.kafka, stack.topicPrefix, sent);
    await eventually(async () => {
      const all = (await get('/v1/flags?limit=500', keys.operator)).body.data as FlagJson[];
      return all.length === sent.length ? all : undefined;
    }, { what: 'every flag recorded' });
  }, 120_000);

  afterAll(async () => {
    await served?.close();
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  const sentA = () => sent.filter((f) => f.tenantId === 'shop-a');

  it('refuses a missing, malformed or unknown key with 401 problem+json naming the scheme', async () => {
    for (const key of [undefined, 'nonsense', 'bsk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `${keys.opsA}x`]) {
      const response = await app.inject({ method: 'GET', url: '/v1/flags', headers: key ? { authorization: `Bearer ${key}` } : {} });
      expect(response.statusCode, String(key)).toBe(401);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="backstop"');
    }
  });

  it('reads the scheme of Authorization in any case', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const response = await app.inject({ method: 'GET', url: '/v1/flags', headers: { authorization: `${scheme} ${keys.opsA}` } });
      expect(response.statusCode, scheme).toBe(200);
    }
  });

  it('ends a live feed whose key is revoked, and refuses it from then on', async () => {
    const { keyId, apiKey } = await createApiKey(stack.pool, 'shop-a', 'ops');
    const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${apiKey}` });
    let ended = false;
    void stream.ended.then(() => { ended = true; });
    try {
      await eventually(async () => (stream.events.some((e) => e.event === 'ready') ? true : undefined), { what: 'the ready event' });
      expect(ended).toBe(false);
      await revokeApiKey(stack.pool, keyId);
      await eventually(async () => (ended ? true : undefined), { what: 'the feed of a revoked key ended', timeoutMs: 30_000 });
      expect((await get('/v1/flags', apiKey)).status).toBe(401);
    } finally {
      await stream.close();
    }
  });

  it('lets each role do only its job', async () => {
    expect((await get('/v1/flags', keys.financeA)).status).toBe(200);
    expect((await get('/v1/refunds', keys.opsA)).status).toBe(403);
    const response = await app.inject({ method: 'POST', url: '/v1/admin/keys', payload: { role: 'ops' }, headers: { authorization: `Bearer ${keys.opsA}` } });
    expect(response.statusCode).toBe(403);
  });

  it('masks account numbers for finance and shows them whole to ops', async () => {
    const nearMiss = sentA().find((f) => f.type === 'recipient.near_miss')!;
    const forOps = (await get(`/v1/flags/${nearMiss.flagId}`, keys.opsA)).body as FlagJson;
    const forFinance = (await get(`/v1/flags/${nearMiss.flagId}`, keys.financeA)).body as FlagJson;
    expect(forOps.payment?.recipientAccount).toBe('8000123465');
    expect(JSON.stringify(forFinance)).not.toContain('8000123465');
    // Enough to recognise an account, not enough to use it: a few characters at each end.
    expect(forFinance.payment?.recipientAccount).toMatch(/^80\*{6}65$/);
    // The same payment seen as a refund decision, listed and exported.
    const decisions = await eventually(async () => {
      const listed = (await get('/v1/refunds?limit=200', keys.financeA)).body.data as { flagId: string }[];
      return listed.find((d) => d.flagId === nearMiss.flagId) && listed;
    }, { what: 'the near miss\'s decision listed' });
    expect(JSON.stringify(decisions.find((d) => d.flagId === nearMiss.flagId))).toContain('80******65');
    expect(JSON.stringify(decisions)).not.toContain('8000123465');
    const exported = await app.inject({ method: 'GET', url: '/v1/refunds.csv', headers: { authorization: `Bearer ${keys.financeA}` } });
    expect(exported.statusCode).toBe(200);
    expect(exported.body).not.toContain('8000123465');
  });

  it('filters by type, severity, payer, status and time range', async () => {
    const expectFilter = async (query: string, predicate: (f: Flag) => boolean) => {
      expect(ids(await listA(query)), query).toEqual(ids(sentA().filter(predicate)));
    };
    await expectFilter('type=amount.digit_slip', (f) => f.type === 'amount.digit_slip');
    await expectFilter('severity=low', (f) => f.severity === 'low');
    await expectFilter('payer=u_bob', (f) => f.payment.payerId === 'u_bob');
    await expectFilter(`from=${at(2).toISOString()}&to=${at(4).toISOString()}`, (f) => f.flaggedAt >= at(2).toISOString() && f.flaggedAt < at(4).toISOString());
    // The built-in policy: duplicates are refunded automatically, bursts only flagged, the rest reviewed.
    // An auto-refund moves from approved to sent as soon as the outbox relays it.
    const autoRefunded = [...(await listA('status=approved')), ...(await listA('status=sent'))];
    expect(ids(autoRefunded)).toEqual(ids(sentA().filter((f) => f.type === 'duplicate.exact')));
    await expectFilter('status=none', (f) => f.type === 'velocity.burst');
    await expectFilter('status=pending_review', (f) => !['duplicate.exact', 'velocity.burst'].includes(f.type));
  });

  it('pages newest first with a cursor, without overlap or gaps', async () => {
    const seen: FlagJson[] = [];
    let cursor: string | null = null;
    do {
      const page = (await get(`/v1/flags?limit=2${cursor ? `&cursor=${cursor}` : ''}`, keys.opsA)).body as { data: FlagJson[]; nextCursor: string | null };
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((f) => f.flagId)).toEqual([...new Set(seen.map((f) => f.flagId))]);
    expect(ids(seen)).toEqual(ids(sentA()));
  });

  it('rejects bad query parameters with the parameter named', async () => {
    for (const query of ['limit=0', 'limit=abc', 'type=bogus', 'severity=urgent', 'from=yesterday', 'cursor=-1', 'colour=red']) {
      const response = await get(`/v1/flags?${query}`, keys.opsA);
      expect(response.status, query).toBe(400);
      expect(response.body.type).toBe('https://backstop.dev/problems/invalid-query');
      expect((response.body.errors as { path: string }[])[0]!.path).toBe(`$.${query.split('=')[0]}`);
    }
  });

  it('keeps tenants apart: another tenant\'s flag is 404, and only operators see across tenants', async () => {
    const flagOfB = sent.find((f) => f.tenantId === 'shop-b')!;
    expect((await get(`/v1/flags/${flagOfB.flagId}`, keys.opsA)).status).toBe(404);
    expect((await listA('')).every((f) => f.tenantId === 'shop-a')).toBe(true);
    const forOperator = (await get('/v1/flags?limit=500&tenant=shop-b', keys.operator)).body.data as FlagJson[];
    expect(ids(forOperator)).toEqual(ids(sent.filter((f) => f.tenantId === 'shop-b')));
    const decisionOfB = ((await get('/v1/flags?status=pending_review', keys.opsB)).body.data as FlagJson[])[0]!.decision!.decisionId;
    const response = await app.inject({ method: 'POST', url: `/v1/refunds/${decisionOfB}/approve`, headers: { authorization: `Bearer ${keys.opsA}` } });
    expect(response.statusCode).toBe(404);
  });

  it('approves a pending decision once, and wants a reason to reject', async () => {
    const [first, second] = await listA('status=pending_review');
    const post = (decisionId: string, action: string, body?: object) =>
      app.inject({ method: 'POST', url: `/v1/refunds/${decisionId}/${action}`, headers: { authorization: `Bearer ${keys.opsA}` }, ...(body ? { payload: body } : {}) });
    const approved = await post(first!.decision!.decisionId, 'approve');
    expect(approved.statusCode).toBe(200);
    expect(['approved', 'sent']).toContain(approved.json().data.status);
    expect((await post(first!.decision!.decisionId, 'approve')).statusCode).toBe(409);
    expect((await post(second!.decision!.decisionId, 'reject')).statusCode).toBe(400);
    expect((await post(second!.decision!.decisionId, 'false-positive', { reason: 'customer meant it' })).json()).toMatchObject({ data: { status: 'rejected' } });
    const marked = await stack.pool.query('SELECT f.false_positive, d.review_note FROM flags f JOIN refund_decisions d ON d.flag_id = f.flag_id WHERE d.decision_id = $1', [second!.decision!.decisionId]);
    expect(marked.rows[0]).toEqual({ false_positive: true, review_note: 'customer meant it' });
    const after = (await get(`/v1/flags/${first!.flagId}`, keys.opsA)).body as FlagJson;
    expect(['approved', 'sent']).toContain(after.decision?.status);
  });

  it('streams the tenant\'s flags live and resumes after Last-Event-ID', async () => {
    const auth = { authorization: `Bearer ${keys.opsA}` };
    const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, auth);
    try {
      expect(stream.status).toBe(200);
      expect(stream.contentType).toContain('text/event-stream');
      await eventually(async () => (stream.events.some((e) => e.event === 'ready') ? true : undefined), { what: 'the ready event' });
      const tail = stream.events.filter((e) => e.event === 'flag').map((e) => JSON.parse(e.data) as FlagJson);
      expect(ids(tail)).toEqual(ids(sentA()));

      // B's new flag goes first, A's after it: once A's arrives, B's would have too.
      const newForB = makeFlag('shop-b', { payerId: 'u_zed' });
      const newForA = makeFlag('shop-a', { payerId: 'u_dave' });
      await sendFlags(stack.kafka, stack.topicPrefix, [newForB]);
      await sendFlags(stack.kafka, stack.topicPrefix, [newForA]);
      sent.push(newForB, newForA);
      await eventually(async () => (stream.events.some((e) => e.data.includes(newForA.flagId)) ? true : undefined), { what: 'the live flag' });
      expect(stream.events.some((e) => e.data.includes(newForB.flagId))).toBe(false);

      const flagEvents = stream.events.filter((e) => e.event === 'flag');
      const resumeFrom = flagEvents[flagEvents.length - 3]!;
      const resumed = await openEventStream(`${baseUrl}/v1/flags/stream`, { ...auth, 'last-event-id': resumeFrom.id! });
      try {
        await eventually(async () => (resumed.events.some((e) => e.event === 'ready') ? true : undefined), { what: 'the resumed stream' });
        expect(resumed.events.filter((e) => e.event === 'flag').map((e) => e.id)).toEqual(flagEvents.slice(-2).map((e) => e.id));
      } finally {
        await resumed.close();
      }
    } finally {
      await stream.close();
    }
  });

  it('serves Prometheus metrics: request durations by route and the live feeds open now', async () => {
    const liveFeeds = async () => metricSum(await scrapeMetrics(baseUrl), 'backstop_console_live_feeds');
    const before = (await liveFeeds())!;
    const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}` });
    try {
      await eventually(async () => ((await liveFeeds()) === before + 1 ? true : undefined), { what: 'the open feed counted' });
    } finally {
      await stream.close();
    }
    await eventually(async () => ((await liveFeeds()) === before ? true : undefined), { what: 'the closed feed no longer counted' });
    const requests = metricSum(await scrapeMetrics(baseUrl), 'backstop_console_request_duration_seconds_count', { route: '/v1/flags', status: '200' });
    expect(requests).toBeGreaterThanOrEqual(1);
  });

  it('refuses a Last-Event-ID it never sent', async () => {
    for (const lastEventId of ['abc', '1', '1.2.3', '-1.5', '99999999999999999999999.1']) {
      const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}`, 'last-event-id': lastEventId });
      expect(stream.status, lastEventId).toBe(400);
      expect((await stream.problem()).type).toBe('https://backstop.dev/problems/invalid-last-event-id');
      await stream.close();
    }
  });

  it('refuses a Last-Event-ID from past anything the feed has sent, instead of going silent', async () => {
    // The first id no transaction has yet: no console on this database can have sent it.
    const unassigned = (await stack.pool.query<{ xid: string }>('SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS xid')).rows[0]!.xid;
    for (const lastEventId of ['99999999.1', '99999999999.1', `${unassigned}.1`, `${BigInt(unassigned) + 1_000n}.0`, `${2n ** 64n - 1n}.1`]) {
      const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}`, 'last-event-id': lastEventId });
      expect(stream.status, lastEventId).toBe(400);
      expect(stream.contentType).toContain('application/problem+json');
      const problem = await stream.problem();
      expect(problem.type).toBe('https://backstop.dev/problems/invalid-last-event-id');
      expect(problem.detail, lastEventId).toMatch(/past every event this stream has sent.*reconnect without it/);
      await stream.close();
    }
    // An id it did send still resumes.
    const tail = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}` });
    const sentId = await eventually(async () => tail.events.find((e) => e.event === 'flag')?.id, { what: 'a flag with its id' }).finally(() => tail.close());
    const resumed = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}`, 'last-event-id': sentId });
    try {
      expect(resumed.status).toBe(200);
      await eventually(async () => (resumed.events.some((e) => e.event === 'ready') ? true : undefined), { what: 'the resumed stream' });
    } finally {
      await resumed.close();
    }
  });

  it('answers an Accept that refuses the feed with a 406 problem saying what to send', async () => {
    const before = metricSum(await scrapeMetrics(baseUrl), 'backstop_console_rejected_total', { reason: 'not-acceptable' }) ?? 0;
    for (const accept of ['application/json', 'text/html', 'text/event-stream;q=0, */*']) {
      const stream = await openEventStream(`${baseUrl}/v1/flags/stream`, { authorization: `Bearer ${keys.opsA}`, accept });
      expect(stream.status, accept).toBe(406);
      expect(stream.contentType, accept).toContain('application/problem+json');
      const problem = await stream.problem();
      expect(problem).toMatchObject({ type: 'https://backstop.dev/problems/not-acceptable', status: 406 });
      expect(problem.detail).toContain('Accept: text/event-stream');
      await stream.close();
    }
    expect(metricSum(await scrapeMetrics(baseUrl), 'backstop_console_rejected_total', { reason: 'not-acceptable' })).toBe(before + 3);
  });

  it('tells the caller what to do in every 400 of the lists: a bad query, a bad cursor', async () => {
    const query = await get('/v1/flags?limit=0&colour=red', keys.opsA);
    expect(query.status).toBe(400);
    expect(query.body.detail).toMatch(/^Fix or leave out limit, colour:/);
    const cursor = await get('/v1/refunds?cursor=not-a-cursor', keys.financeA);
    expect(cursor.status).toBe(400);
    expect(cursor.type).toContain('application/problem+json');
    expect(cursor.body).toMatchObject({
      type: 'https://backstop.dev/problems/invalid-cursor',
      detail: expect.stringContaining('nextCursor'),
      errors: [{ path: '$.cursor', message: expect.any(String) }],
    });
  });

  it('names an unknown field of a review body, not `reason`, and says what the body must be', async () => {
    const pending = (await listA('status=pending_review')).find((f) => f.decision)!;
    const post = (payload: string, type: string) => app.inject({
      method: 'POST', url: `/v1/refunds/${pending.decision!.decisionId}/approve`, payload, headers: { authorization: `Bearer ${keys.opsA}`, 'content-type': type },
    });
    const cases: [string, string, string][] = [
      ['{"reason":"x","amount":1}', 'application/json', '$.amount'],
      ['{"reason":7}', 'application/json', '$.reason'],
      ['[]', 'application/json', '$'],
      ['hi', 'text/plain', '$'],
    ];
    for (const [payload, type, path] of cases) {
      const response = await post(payload, type);
      expect(response.statusCode, payload).toBe(400);
      const problem = response.json() as { type: string; detail: string; errors: { path: string }[] };
      expect(problem.type).toBe('https://backstop.dev/problems/invalid-body');
      expect(problem.errors.map((e) => e.path), payload).toEqual([path]);
      expect(problem.detail).toContain('one optional field, `reason`');
    }
    expect((await get(`/v1/flags/${pending.flagId}`, keys.opsA)).body).toMatchObject({ decision: { status: 'pending_review' } });
  });

  it('tells the reviewer who lost a race what the decision is now', async () => {
    const pending = (await listA('status=pending_review')).find((f) => f.decision)!;
    const decisionId = pending.decision!.decisionId;
    // Holding the row makes both approvals read it as pending and then queue on its lock, so
    // the second always meets the first one's verdict at its update, never at its read.
    const holder = await stack.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM refund_decisions WHERE decision_id = $1 FOR UPDATE', [decisionId]);
      const approve = () => app.inject({ method: 'POST', url: `/v1/refunds/${decisionId}/approve`, headers: { authorization: `Bearer ${keys.opsA}` } });
      const answers = [approve(), approve()];
      await eventually(async () => {
        const waiting = await stack.pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%refund_decisions%'");
        return waiting.rows[0]!.n === 2 ? true : undefined;
      }, { what: 'both approvals waiting on the decision' });
      await holder.query('COMMIT');
      const [first, second] = await Promise.all(answers);
      const statuses = [first!.statusCode, second!.statusCode].sort();
      expect(statuses).toEqual([200, 409]);
      const lost = (first!.statusCode === 409 ? first! : second!).json() as { type: string; detail?: string };
      expect(lost.type).toBe('https://backstop.dev/problems/decision-not-pending');
      expect(lost.detail).toMatch(/^It is (approved|sent): another reviewer decided it/);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('counts flags per type and severity and reports detection latency', async () => {
    const stats = (await get('/v1/flags/stats', keys.opsA)).body as { counts: { window: string; type: string; severity: string; count: number }[]; detectionLatencyMs: { samples: number } };
    const lastDay = stats.counts.filter((c) => c.window === '24h');
    const total = lastDay.reduce((sum, c) => sum + c.count, 0);
    expect(total).toBe(sent.filter((f) => f.tenantId === 'shop-a').length);
    expect(stats.detectionLatencyMs.samples).toBeGreaterThan(0);
  });
});
