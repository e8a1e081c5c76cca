import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName, type WebhookEvent } from '@backstop/contracts';
import { BacktestError, newRunId, periodOf, resolveCandidate, runBacktest, type BacktestReport, type BacktestRun } from '@backstop/backtest';
import { PayerStateSettings } from '@backstop/detection';
import { createIdempotentProducer } from '@backstop/kafka';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { createApiKey, createTenant, saveDetectorRules } from '@backstop/tenancy';
import { forEachKey, freshSeed, groupCaughtUp, publishEvents } from '@backstop/testkit';
import type { Producer } from 'kafkajs';
import type { ServiceProcess } from '../infra/dev/service-process';
import { reviewDecision, type Verdict } from '../services/console/src/refunds/review';
import { backtestTraffic } from './support/backtest-traffic';
import { startConsole } from './support/console';
import { productionSnapshot } from './support/production-snapshot';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';
import { paymentEvent, uniqueId } from './support/webhooks';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const seed = Number(process.env.BACKTEST_SEED ?? freshSeed());
const tenantId = 'btshop';
const otherTenantId = 'othershop';
const traffic = backtestTraffic(seed, 1_200);
/** Production's policy: suspected duplicates are refunded automatically up to ¥500.00, except the medium grade, which a person reviews. */
const productionPolicy = { v: 1, rules: { 'duplicate.suspected': { action: 'auto_refund', bySeverity: { medium: 'review' } } }, maxAutoRefund: { CNY: 50_000 } };
/**
 * Production's rules: the defaults, without the two amount rules. Both consult sku-wide price
 * statistics, which the detector reads through a cache trusted for seconds of wall time, so
 * what production saw depends on how fast it ran; a backtest reads them afresh every batch
 * and can differ on a payer judged just as a sku crosses a sample threshold (docs/backtest.md,
 * "Known limits"). With them off, every flag here is a matter of payers' own histories.
 */
const productionRules = { 'amount.outlier': { enabled: false }, 'amount.digit_slip': { enabled: false } };
const widenedWindow = { ...productionRules, 'duplicate.suspected': { windowSeconds: 600 } };
const verdicts: Verdict[] = ['approve', 'approve', 'reject', 'false-positive'];

/** Waits until the wall clock has passed `ms`, so "before" and "after" an instant are strict. */
async function clockPast(ms: number): Promise<number> {
  return eventually(async () => (Date.now() > ms ? Date.now() : undefined), { intervalMs: 1, what: 'the clock to move on' });
}

describe(`backtest on real Kafka, Redis and Postgres (seed ${seed}; BACKTEST_SEED=${seed} replays it)`, () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[] = [];
  let producer: Producer;
  let fromMs: number;
  let toMs: number;
  let groups: string[];
  const eventsTopic = () => topicName('paymentEvents', stack.topicPrefix);

  async function publish(tenant: string, events: readonly WebhookEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += 500) await publishEvents(producer, eventsTopic(), tenant, events.slice(start, start + 500));
  }

  const caughtUp = async () =>
    (await groupCaughtUp(stack.kafka, groups[0]!, eventsTopic())) &&
    (await groupCaughtUp(stack.kafka, groups[1]!, topicName('flags', stack.topicPrefix))) &&
    Number((await stack.pool.query('SELECT count(*) FROM refund_outbox WHERE published_at IS NULL')).rows[0].count) === 0
      ? true
      : undefined;

  async function backtest(rules?: unknown, policy?: unknown, runId = newRunId(), run: Omit<BacktestRun, 'runId'> = {}): Promise<BacktestReport> {
    const candidate = await resolveCandidate(stack.pool, {
      tenantId,
      ...(rules ? { rules: { document: rules, from: 'rules.json' } } : {}),
      ...(policy ? { policy: { document: policy, from: 'policy.json' } } : {}),
    });
    const stateSettings = PayerStateSettings.parse({ REDIS_KEY_PREFIX: stack.redisPrefix });
    return runBacktest({ kafka: stack.kafka, redis: stack.redis, pool: stack.pool, topicPrefix: stack.topicPrefix, stateSettings }, candidate, periodOf(fromMs, toMs, 90 * 24, Date.now()), { runId, ...run });
  }

  /** Prints a payer's events as published (history or period, in order) and the flags production stored for them. */
  async function describeDifference(payerId: string): Promise<void> {
    const published = [...traffic.history.map((event) => ({ phase: 'history', event })), ...traffic.period.map((event) => ({ phase: 'period', event }))]
      .map((entry, position) => ({ ...entry, position }))
      .filter(({ event }) => event.data.payerId === payerId);
    const stored = await stack.pool.query('SELECT flag_id, type, payment_id, received_at, evidence FROM flags WHERE tenant_id = $1 AND payer_id = $2', [tenantId, payerId]);
    process.stdout.write(`payer ${payerId}: events ${JSON.stringify(published)}\nproduction's flags ${JSON.stringify(stored.rows)}\n`);
  }

  const cli = (args: string[]) =>
    run('npx', ['tsx', 'services/console/src/cli/index.ts', ...args], { cwd: repoRoot, env: { ...process.env, ...stack.env } }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
    );

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 3, flags: 2 });
    groups = [`${stack.topicPrefix}backstop-detector`, `${stack.topicPrefix}backstop-refund-worker`];
    await createTenant(stack.pool, { tenantId, name: 'Backtest shop' });
    await createTenant(stack.pool, { tenantId: otherTenantId, name: 'Another shop' });
    await saveRefundPolicy(stack.pool, tenantId, productionPolicy, 'test');
    await saveDetectorRules(stack.pool, tenantId, productionRules);
    services = await startServices(stack, ['detector', 'refund-worker']);
    producer = createIdempotentProducer(stack.kafka);
    await producer.connect();

    await publish(tenantId, traffic.history);
    fromMs = await clockPast(Date.now());
    await clockPast(fromMs);
    await publish(tenantId, traffic.period);
    // Another tenant's duplicates 300 s apart on the same topic: never the backtested tenant's.
    const other = uniqueId('other_payer');
    await publish(otherTenantId, [paymentEvent({ payerId: other }, new Date(fromMs - 600_000)), paymentEvent({ payerId: other }, new Date(fromMs - 300_000))]);
    toMs = await clockPast(Date.now());
    await eventually(caughtUp, { timeoutMs: 120_000, what: 'the detector and refund worker to finish the traffic' });

    const pending = await stack.pool.query<{ decision_id: string; payment_id: string }>(
      "SELECT decision_id, payment_id FROM refund_decisions WHERE tenant_id = $1 AND payment_id = ANY($2) AND status = 'pending_review'",
      [tenantId, traffic.close.map((pair) => pair.paymentId)],
    );
    expect(pending.rows.map((row) => row.payment_id).sort()).toEqual(traffic.close.map((pair) => pair.paymentId).sort());
    for (const [index, pair] of traffic.close.entries()) {
      const decisionId = pending.rows.find((row) => row.payment_id === pair.paymentId)!.decision_id;
      await reviewDecision(stack.pool, tenantId, decisionId, verdicts[index]!, 'key:reviewer', 'checked with the payer');
    }
  }, 240_000);

  afterAll(async () => {
    await producer?.disconnect();
    await stopServices(services);
    await stack?.close();
  });

  it('an unchanged configuration yields an empty diff, after a warm-up that read the history', async () => {
    const report = await backtest();
    expect(report.events).toEqual({ warmUp: traffic.history.length, period: traffic.period.length });
    expect(report.warmUp).toMatchObject({ hours: 90 * 24, complete: true });
    expect(report.rules.find((rule) => rule.rule === 'duplicate.suspected')!.production).toBe(traffic.close.length);
    expect(report.rules.reduce((sum, rule) => sum + rule.production, 0)).toBeGreaterThan(traffic.close.length);
    for (const rule of report.rules) {
      const differing = [...rule.addedExamples, ...rule.removedExamples];
      // What a flag that differs rests on, to tell from the failure alone why it differs.
      for (const example of differing) await describeDifference(example.payerId);
      expect({ rule: rule.rule, added: rule.addedExamples, removed: rule.removedExamples }).toEqual({ rule: rule.rule, added: [], removed: [] });
    }
    expect(report.decisions).toEqual({ changed: 0, changes: [] });
    for (const money of report.autoRefunded) expect(money).toMatchObject({ added: 0, removed: 0 });
  }, 120_000);

  it('a duplicate window widened from 120 s to 600 s adds exactly the planted flags and money, the same on every run', async () => {
    const report = await backtest(widenedWindow);
    const suspected = report.rules.find((rule) => rule.rule === 'duplicate.suspected')!;
    expect(suspected).toMatchObject({ production: traffic.close.length, candidate: traffic.close.length + traffic.widened.length, added: traffic.widened.length, removed: 0 });
    for (const rule of report.rules.filter((r) => r.rule !== 'duplicate.suspected')) expect([rule.rule, rule.added, rule.removed]).toEqual([rule.rule, 0, 0]);
    expect(traffic.widened.map((pair) => pair.paymentId)).toEqual(expect.arrayContaining(suspected.addedExamples.map((e) => e.paymentId)));

    const underCap = traffic.widened.filter((pair) => pair.amount <= 50_000);
    const overCap = traffic.widened.filter((pair) => pair.amount > 50_000);
    expect(report.decisions.changes).toEqual([
      expect.objectContaining({ from: 'none', to: 'auto_refund', charges: underCap.length }),
      expect.objectContaining({ from: 'none', to: 'review', charges: overCap.length }),
    ]);
    const cny = report.autoRefunded.find((money) => money.currency === 'CNY')!;
    expect(cny.added).toBe(underCap.reduce((sum, pair) => sum + pair.amount, 0));
    expect(cny.removed).toBe(0);
    expect(cny.candidate - cny.production).toBe(cny.added);

    expect(await backtest(widenedWindow)).toEqual(report);
  }, 180_000);

  it("reviewers' verdicts are the labels: allowlisting the payer marked false positive raises the rule's precision", async () => {
    const unchanged = await backtest();
    expect(unchanged.labels).toEqual({ approved: 2, rejected: 1, falsePositive: 1 });
    const before = { reviewed: 4, confirmed: 2, precision: 0.5 };
    expect(unchanged.precision.find((p) => p.rule === 'duplicate.suspected')).toEqual({ rule: 'duplicate.suspected', before, after: before });

    const falsePositivePayer = traffic.close[verdicts.indexOf('false-positive')]!.payerId;
    const allowlisted = await backtest({ ...productionRules, 'duplicate.suspected': { allowlist: { payers: [falsePositivePayer] } } });
    expect(allowlisted.precision.find((p) => p.rule === 'duplicate.suspected')).toEqual({
      rule: 'duplicate.suspected', before, after: { reviewed: 3, confirmed: 2, precision: 2 / 3 },
    });
    expect(allowlisted.rules.find((rule) => rule.rule === 'duplicate.suspected')).toMatchObject({ added: 0, removed: 1 });

    // Flags nobody reviewed leave precision where it was.
    const widened = await backtest(widenedWindow);
    expect(widened.precision.find((p) => p.rule === 'duplicate.suspected')).toEqual({ rule: 'duplicate.suspected', before, after: before });
  }, 240_000);

  it('never touches production: tables, Redis keys, topics and offsets stay byte-for-byte the same, also with two runs side by side', async () => {
    const before = await productionSnapshot(stack, groups);
    const sequential = [await backtest(), await backtest(widenedWindow)];
    const beside = await Promise.all([backtest(), backtest(widenedWindow)]);
    expect(beside).toEqual(sequential);
    expect(await productionSnapshot(stack, groups)).toEqual(before);

    const shadowKeys: string[] = [];
    await forEachKey(stack.redis, `${stack.redisPrefix}:backtest:*`, async (keys) => { shadowKeys.push(...keys); });
    expect(shadowKeys).toEqual([]);
    const admin = stack.kafka.admin();
    await admin.connect();
    const { groups: left } = await admin.listGroups();
    await admin.disconnect();
    expect(left.map((g) => g.groupId).filter((id) => id.startsWith(`${stack.topicPrefix}backstop-backtest.`))).toEqual([]);

    // The marker: production still runs and records a new flag; nothing but the marker's flag
    // reached the flags topic since the first snapshot.
    const payerId = uniqueId('marker');
    const orderId = uniqueId('ord_marker');
    const marker = [paymentEvent({ payerId, orderId }, new Date(toMs)), paymentEvent({ payerId, orderId }, new Date(toMs + 1000))];
    await publish(tenantId, marker);
    await eventually(async () => ((await stack.pool.query("SELECT 1 FROM flags WHERE tenant_id = $1 AND payer_id = $2 AND type = 'duplicate.exact'", [tenantId, payerId])).rowCount ? true : undefined), {
      timeoutMs: 60_000, what: 'the marker flag in production',
    });
    const after = await productionSnapshot(stack, groups);
    const flagMessages = (snapshot: Record<string, unknown>) => (snapshot['topic:flags'] as string[]).reduce((sum, entry) => sum + Number(entry.split('-')[1]), 0);
    expect(flagMessages(after)).toBe(flagMessages(before) + 1);
  }, 300_000);

  it('the CLI prints the report, and refuses bad input with a clear message and exit status 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'backstop-backtest-'));
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(widenedWindow));
    writeFileSync(join(dir, 'bad-rules.json'), JSON.stringify({ ...productionRules, 'duplicate.suspected': { windowSeconds: -5 } }));
    const period = ['--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString()];
    const ok = await cli(['backtest', '--tenant', tenantId, ...period, '--rules', join(dir, 'rules.json')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`duplicate\\.suspected\\s+${traffic.close.length} → ${traffic.close.length + traffic.widened.length}\\s+\\+${traffic.widened.length} added, -0 removed`));
    expect(ok.stdout).toContain('Money auto-refunded');
    expect(ok.stderr).toMatch(/events\/s/);

    const badTime = await cli(['backtest', '--tenant', tenantId, '--from', 'yesterday', '--to', new Date(toMs).toISOString()]);
    expect([badTime.code, badTime.stderr.trim()]).toEqual([2, '--from "yesterday" is not an ISO 8601 time with its offset, e.g. 2026-11-30T08:00:00Z']);
    const unknown = await cli(['backtest', '--tenant', 'nosuchshop', ...period]);
    expect([unknown.code, unknown.stderr.trim()]).toEqual([2, 'no tenant "nosuchshop"']);
    const badRules = await cli(['backtest', '--tenant', tenantId, ...period, '--rules', join(dir, 'bad-rules.json')]);
    expect(badRules.code).toBe(2);
    expect(badRules.stderr).toMatch(/^invalid rules \(.*bad-rules\.json\): duplicate\.suspected\.windowSeconds: /);
  }, 180_000);

  it('runs as a console job with progress, refuses bad input as counted problems, and an admin promotes the candidate into the audit chain', async () => {
    const served = await startConsole(stack);
    try {
      const admin = { authorization: `Bearer ${(await createApiKey(stack.pool, tenantId, 'admin')).apiKey}`, 'content-type': 'application/json' };
      const ops = { ...admin, authorization: `Bearer ${(await createApiKey(stack.pool, tenantId, 'ops')).apiKey}` };
      const body = { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), rules: widenedWindow };
      const inject = (method: 'GET' | 'POST' | 'DELETE', url: string, headers = admin, payload?: unknown) =>
        served.app.inject({ method, url, ...(payload === undefined ? { headers: { authorization: headers.authorization } } : { headers, payload: JSON.stringify(payload) }) });

      expect((await inject('POST', '/v1/backtests', ops, body)).statusCode).toBe(403);
      const rulesBefore = await stack.pool.query('SELECT config FROM detector_rules WHERE tenant_id = $1', [tenantId]);
      for (const [payload, reason] of [
        [{ ...body, from: body.to, to: body.from }, 'invalid-period'],
        [{ ...body, rules: { 'duplicate.suspected': { windowSeconds: 'ten minutes' } } }, 'invalid-rules'],
        [{ ...body, from: 'yesterday' }, 'invalid-body'],
      ] as const) {
        const refused = await inject('POST', '/v1/backtests', admin, payload);
        expect([refused.statusCode, refused.headers['content-type']], refused.body).toEqual([400, 'application/problem+json; charset=utf-8']);
        expect(refused.json().type).toBe(`https://backstop.dev/problems/${reason}`);
      }
      const metrics = (await served.app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const reason of ['invalid-period', 'invalid-rules', 'invalid-body']) expect(metrics).toMatch(new RegExp(`backstop_console_rejected_total\\{reason="${reason}",service="console"\\} 1`));

      const started = await inject('POST', '/v1/backtests', admin, body);
      expect(started.statusCode, started.body).toBe(202);
      const { jobId } = started.json<{ jobId: string }>();
      const fractions: number[] = [];
      const job = await eventually(async () => {
        const answer = (await inject('GET', `/v1/backtests/${jobId}`)).json<{ status: string; progress: { fraction: number }; report: BacktestReport | null }>();
        fractions.push(answer.progress.fraction);
        return answer.status === 'running' ? undefined : answer;
      }, { timeoutMs: 120_000, what: 'the backtest job to finish' });
      expect(job).toMatchObject({ status: 'done', progress: { phase: 'done', fraction: 1 } });
      expect(fractions.every((fraction, i) => fraction >= 0 && fraction <= 1 && (i === 0 || fraction >= fractions[i - 1]!))).toBe(true);
      // The same candidate and period give the same report, but for where the candidate came from.
      expect({ ...job.report, candidate: { ...job.report!.candidate, rulesFrom: 'rules.json' } }).toEqual(await backtest(widenedWindow));
      expect(await stack.pool.query('SELECT config FROM detector_rules WHERE tenant_id = $1', [tenantId])).toMatchObject({ rows: rulesBefore.rows });

      const promoted = await inject('POST', `/v1/backtests/${jobId}/promote`);
      expect(promoted.statusCode, promoted.body).toBe(200);
      expect(promoted.json()).toMatchObject({ digest: job.report!.candidate.digest, rules: true, policy: false });
      expect((await inject('POST', `/v1/backtests/${jobId}/promote`)).json().type).toBe('https://backstop.dev/problems/already-promoted');
      // Stored as tried: only what differs from the defaults, as PUT /v1/rules stores it.
      const stored = await stack.pool.query<{ config: unknown }>('SELECT config FROM detector_rules WHERE tenant_id = $1', [tenantId]);
      expect(stored.rows[0]!.config).toEqual(widenedWindow);
      const audit = await stack.pool.query<{ content: Record<string, unknown> }>("SELECT content FROM decision_audit WHERE tenant_id = $1 AND content->>'kind' = 'config.promoted'", [tenantId]);
      expect(audit.rows.map((row) => row.content)).toEqual([expect.objectContaining({ jobId, digest: job.report!.candidate.digest, rules: true, policy: false })]);
      expect((await verifyAuditChains(stack.pool)).breaks).toEqual([]);

      // With the window promoted, the configuration in force finds the planted pairs too.
      const inForce = await backtest();
      expect(inForce.rules.find((rule) => rule.rule === 'duplicate.suspected')).toMatchObject({ added: traffic.widened.length, removed: 0 });
    } finally {
      await served.close();
    }
  }, 240_000);

  it('cancelled halfway, a backtest stops and leaves no shadow state and no consumer group behind', async () => {
    const cancel = new AbortController();
    const cancelled = await backtest(widenedWindow, undefined, newRunId(), {
      signal: cancel.signal,
      // Called once a chunk is judged and its shadow state written: cancel after the first.
      onProgress: ({ phase, read }) => {
        if (phase === 'replaying' && read > 0) cancel.abort();
      },
    }).then(() => undefined, (error: unknown) => error);
    expect(cancelled).toBeInstanceOf(BacktestError);
    expect((cancelled as BacktestError).code).toBe('cancelled');
    const left: string[] = [];
    await forEachKey(stack.redis, `${stack.redisPrefix}:backtest:*`, async (keys) => { left.push(...keys); });
    expect(left).toEqual([]);
    const admin = stack.kafka.admin();
    await admin.connect();
    const { groups: after } = await admin.listGroups();
    await admin.disconnect();
    expect(after.map((g) => g.groupId).filter((id) => id.startsWith(`${stack.topicPrefix}backstop-backtest.`))).toEqual([]);
  }, 120_000);

  // Last: it deletes records from the slice's events topic, as retention would.
  it('a period older than the retained events is refused with a clear message, not reported as a partial diff', async () => {
    const admin = stack.kafka.admin();
    await admin.connect();
    const atFrom = await admin.fetchTopicOffsetsByTimestamp(eventsTopic(), fromMs);
    const cut = atFrom.find((entry) => BigInt(entry.offset) > 0n)!;
    await admin.deleteTopicRecords({ topic: eventsTopic(), partitions: [{ partition: cut.partition, offset: String(BigInt(cut.offset) + 1n) }] });
    await admin.disconnect();

    const refused = await backtest().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(BacktestError);
    expect((refused as BacktestError).code).toBe('period-not-retained');
    expect((refused as BacktestError).message).toContain(`partition ${cut.partition} (first retained offset ${BigInt(cut.offset) + 1n})`);

    const cli3 = await cli(['backtest', '--tenant', tenantId, '--from', new Date(fromMs).toISOString(), '--to', new Date(toMs).toISOString()]);
    expect(cli3.code).toBe(3);
    expect(cli3.stderr).toMatch(/^the events topic no longer holds the whole period/);
    expect(cli3.stdout).toBe('');
  }, 120_000);
});
