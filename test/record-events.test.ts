import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Flag, IngestedEvent, WebhookEvent } from '@backstop/contracts';
import { Problem } from '@backstop/http';
import { saveRefundPolicy, verifyAuditChains } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { findMismatches } from '../services/console/src/finance/mismatches';
import { listDecisions } from '../services/console/src/refunds/list-decisions';
import { reviewDecision } from '../services/console/src/refunds/review';
import { recordEvents } from '../services/refund-worker/src/outcomes/record-events';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createIsolatedDatabase } from './support/database';
import { buildFlag, type FlagOptions } from './support/flags';

describe('recording refund outcomes: where a batch of them leaves a decision', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pool: Pool;
  const tenantId = 'outcomes';
  /** Duplicates go to review, outliers only to a shadow rule: decisions Backstop does not send. */
  const unsentTenant = 'unsent';
  let sequence = 0;

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    pool = database.pool;
    await createTenant(pool, { tenantId, name: 'Outcomes' });
    await createTenant(pool, { tenantId: unsentTenant, name: 'Unsent' });
    await saveRefundPolicy(pool, unsentTenant, {
      v: 1, rules: { 'duplicate.exact': { action: 'review' }, 'amount.outlier': { action: 'shadow', trying: 'auto_refund' } },
    }, 'test');
  });

  afterAll(async () => database?.close());

  /** An automatic refund of a CNY charge, approved and waiting for the platform. */
  const approvedDecision = async (): Promise<{ flag: Flag; decisionId: string }> => {
    const flag = buildFlag(tenantId, { payment: { amount: 3000, unitPrice: 3000, currency: 'CNY' } });
    await inTransaction(pool, (client) => recordFlags(client, [flag], new Date()));
    const found = await pool.query<{ decision_id: string; status: string }>('SELECT decision_id, status FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', [tenantId, flag.payment.paymentId]);
    expect(found.rows).toMatchObject([{ status: 'approved' }]);
    return { flag, decisionId: found.rows[0]!.decision_id };
  };
  /** A decision on a CNY charge of 3,000 in the given tenant, as the refund worker recorded it. */
  const decided = async (tenant: string, options: FlagOptions = {}): Promise<{ flag: Flag; decisionId: string; status: string }> => {
    const flag = buildFlag(tenant, { ...options, payment: { amount: 3000, unitPrice: 3000, currency: 'CNY', ...options.payment } });
    await inTransaction(pool, (client) => recordFlags(client, [flag], new Date()));
    const found = await pool.query<{ decision_id: string; status: string }>('SELECT decision_id, status FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', [tenant, flag.payment.paymentId]);
    return { flag, decisionId: found.rows[0]!.decision_id, status: found.rows[0]!.status };
  };
  const outcome = (type: 'refund.succeeded' | 'refund.failed', { flag, decisionId }: { flag: Flag; decisionId: string }, options: { currency?: string; secondsAfter?: number } = {}): IngestedEvent => {
    sequence += 1;
    const occurredAt = new Date(Date.parse(flag.flaggedAt) + (options.secondsAfter ?? sequence) * 1_000).toISOString();
    const event = {
      id: `evt_${type}_${sequence}`, type, occurredAt,
      data: { paymentId: flag.payment.paymentId, payerId: flag.payment.payerId, amount: 3000, currency: options.currency ?? 'CNY', decisionId },
    } as WebhookEvent;
    return { v: 1, tenantId: flag.tenantId, receivedAt: occurredAt, marks: [], event };
  };
  const mismatchesOf = async (tenant: string) => findMismatches(pool, { tenant, slaHours: 24, limit: 1000 }, new Date());
  const record = (events: IngestedEvent[]) => inTransaction(pool, (client) => recordEvents(client, events, new Date()));
  const decision = async (decisionId: string) =>
    (await pool.query('SELECT status, confirmed_amount FROM refund_decisions WHERE decision_id = $1', [decisionId])).rows[0];
  const trail = async (decisionId: string) =>
    (await pool.query("SELECT content->>'from' AS from, content->>'to' AS to, content->>'actor' AS actor FROM decision_audit WHERE decision_id = $1 ORDER BY seq", [decisionId])).rows;

  it('keeps in the audit trail what the platform reported: the amount and refund id of a success, the reason of a failure', async () => {
    const succeeded = await approvedDecision();
    const failed = await approvedDecision();
    const success = outcome('refund.succeeded', succeeded);
    (success.event.data as { refundId?: string }).refundId = 'rf_platform_1';
    const failure = outcome('refund.failed', failed);
    (failure.event.data as { reason?: string }).reason = '银行卡已注销 card closed';
    await record([success, failure]);
    const last = async (decisionId: string) =>
      (await pool.query<{ content: Record<string, unknown> }>('SELECT content FROM decision_audit WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1', [decisionId])).rows[0]!.content;
    expect(await last(succeeded.decisionId)).toMatchObject({ to: 'succeeded', confirmedAmount: 3000, refundId: 'rf_platform_1' });
    expect(await last(failed.decisionId)).toMatchObject({ to: 'failed', reason: '银行卡已注销 card closed' });
    expect(await last(failed.decisionId)).not.toHaveProperty('confirmedAmount');
    // A failure is no money back: nothing is confirmed.
    expect(await decision(failed.decisionId)).toEqual({ status: 'failed', confirmed_amount: null });
    const verified = await verifyAuditChains(pool);
    expect(verified.breaks).toEqual([]);
  });

  it("keeps a reviewer's reason, and whether the rejection was a false positive, in the audit trail and on the decision", async () => {
    const inReview = await decided(unsentTenant);
    await reviewDecision(pool, unsentTenant, inReview.decisionId, 'false-positive', 'key:reviewer', '用户本来就想买两次');
    const last = (await pool.query<{ content: Record<string, unknown> }>('SELECT content FROM decision_audit WHERE decision_id = $1 ORDER BY seq DESC LIMIT 1', [inReview.decisionId])).rows[0]!.content;
    expect(last).toMatchObject({ from: 'pending_review', to: 'rejected', reason: '用户本来就想买两次', falsePositive: true });
    const page = await listDecisions(pool, { tenant: unsentTenant }, { limit: 1, after: null, decisionId: inReview.decisionId });
    expect(page.decisions[0]).toMatchObject({ status: 'rejected', reviewNote: '用户本来就想买两次' });
    expect((await verifyAuditChains(pool)).breaks).toEqual([]);
  });

  it('a success wins over a failure of the same decision in one batch, whichever the batch holds first', async () => {
    const failedFirst = await approvedDecision();
    const succeededFirst = await approvedDecision();
    const batch = [
      outcome('refund.failed', failedFirst, { secondsAfter: 10 }), outcome('refund.succeeded', failedFirst, { secondsAfter: 20 }),
      outcome('refund.succeeded', succeededFirst, { secondsAfter: 10 }), outcome('refund.failed', succeededFirst, { secondsAfter: 20 }),
    ];
    expect(await record(batch)).toMatchObject({ outcomes: 4, confirmed: 2, otherCurrency: 0 });
    for (const settled of [failedFirst, succeededFirst]) {
      expect(await decision(settled.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });
      expect(await trail(settled.decisionId)).toEqual([{ from: null, to: 'approved', actor: 'policy:auto' }, { from: 'approved', to: 'succeeded', actor: 'platform' }]);
    }

    // The same batch again, as after a crash before the offsets were committed.
    expect(await record(batch)).toMatchObject({ outcomes: 0, confirmed: 0 });
    expect(await trail(failedFirst.decisionId)).toHaveLength(2);
  });

  it('a success after a failure settles the decision; a failure after a success changes nothing and is listed for finance', async () => {
    const retried = await approvedDecision();
    expect(await record([outcome('refund.failed', retried)])).toMatchObject({ confirmed: 1 });
    expect(await decision(retried.decisionId)).toMatchObject({ status: 'failed' });
    expect(await record([outcome('refund.succeeded', retried)])).toMatchObject({ confirmed: 1 });
    const lateFailure = outcome('refund.failed', retried);
    expect(await record([lateFailure])).toMatchObject({ outcomes: 1, confirmed: 0 });
    // Only the failure that came after the success: the earlier one was the attempt retried.
    expect((await mismatchesOf(tenantId)).filter((m) => m.decisionId === retried.decisionId)).toEqual([expect.objectContaining({
      kind: 'failure_after_success', outcome: 'failed', status: 'succeeded', eventId: lateFailure.event.id, claimedDecisionId: retried.decisionId,
      decidedAmount: 3000, reportedAmount: 3000, reportedCurrency: 'CNY', currency: 'CNY',
    })]);
    expect(await decision(retried.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });
    expect((await trail(retried.decisionId)).slice(1)).toEqual([
      { from: 'approved', to: 'failed', actor: 'platform' },
      { from: 'failed', to: 'succeeded', actor: 'platform' },
    ]);
  });

  it('an outcome in another currency neither confirms nor fails the decision it names', async () => {
    const named = await approvedDecision();
    expect(await record([outcome('refund.succeeded', named, { currency: 'JPY' }), outcome('refund.failed', named, { currency: 'USD' })]))
      .toMatchObject({ outcomes: 2, confirmed: 0, otherCurrency: 2 });
    expect(await decision(named.decisionId)).toEqual({ status: 'approved', confirmed_amount: null });
    expect(await trail(named.decisionId)).toHaveLength(1);

    // Stored under the decision it named, for finance to see next to it.
    const stored = await pool.query('SELECT decision_id, currency FROM refund_outcomes WHERE claimed_decision_id = $1 ORDER BY currency', [named.decisionId]);
    expect(stored.rows).toEqual([{ decision_id: named.decisionId, currency: 'JPY' }, { decision_id: named.decisionId, currency: 'USD' }]);

    expect(await record([outcome('refund.succeeded', named)])).toMatchObject({ confirmed: 1, otherCurrency: 0 });
    expect(await decision(named.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });
  });

  it('a success naming a decision Backstop never sent settles it: it cannot be refunded again, and finance sees it', async () => {
    const inReview = await decided(unsentTenant);
    const rejected = await decided(unsentTenant);
    await reviewDecision(pool, unsentTenant, rejected.decisionId, 'reject', 'reviewer', 'paid on purpose');
    const shadowed = await decided(unsentTenant, { type: 'amount.outlier' });
    const failedInReview = await decided(unsentTenant);
    expect([inReview.status, rejected.status, shadowed.status, failedInReview.status]).toEqual(['pending_review', 'pending_review', 'shadowed', 'pending_review']);

    const batch = [
      outcome('refund.succeeded', inReview), outcome('refund.succeeded', rejected), outcome('refund.succeeded', shadowed),
      outcome('refund.failed', failedInReview),
    ];
    expect(await record(batch)).toMatchObject({ outcomes: 4, confirmed: 3 });
    for (const [settled, from] of [[inReview, 'pending_review'], [rejected, 'rejected'], [shadowed, 'shadowed']] as const) {
      expect(await decision(settled.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });
      expect((await trail(settled.decisionId)).at(-1)).toEqual({ from, to: 'succeeded', actor: 'platform' });
    }
    // A failure of a refund Backstop never asked for moves nothing: no money moved.
    expect(await decision(failedInReview.decisionId)).toEqual({ status: 'pending_review', confirmed_amount: null });

    // Redelivered, the batch changes nothing a second time.
    expect(await record(batch)).toMatchObject({ outcomes: 0, confirmed: 0 });
    expect(await trail(inReview.decisionId)).toHaveLength(2);

    // The reviewer can no longer pay it back a second time, and no command is queued.
    const refusal = await reviewDecision(pool, unsentTenant, inReview.decisionId, 'approve', 'reviewer').then(() => undefined, (error: unknown) => error);
    expect(refusal).toBeInstanceOf(Problem);
    expect((refusal as Problem).toJSON()).toMatchObject({ status: 409, type: expect.stringMatching(/decision-not-pending$/) });
    const commands = await pool.query('SELECT count(*)::int AS n FROM refund_outbox WHERE decision_id = ANY($1::uuid[])', [[inReview.decisionId, rejected.decisionId, shadowed.decisionId]]);
    expect(commands.rows[0]).toEqual({ n: 0 });

    // Nor does a later flag on the shadowed charge, whose rule would have it reviewed, reopen it.
    const later = buildFlag(unsentTenant, { type: 'duplicate.exact', payment: shadowed.flag.payment });
    expect(await inTransaction(pool, (client) => recordFlags(client, [later], new Date()))).toMatchObject({ flagsInserted: 1, decisionsInserted: 0, shadowsReplaced: 0 });
    expect(await decision(shadowed.decisionId)).toEqual({ status: 'succeeded', confirmed_amount: 3000 });

    const unsent = (await mismatchesOf(unsentTenant)).filter((m) => m.kind === 'outcome_for_unsent_decision');
    expect(unsent.map((m) => [m.decisionId, m.outcome, m.status]).sort()).toEqual([
      [inReview.decisionId, 'succeeded', 'succeeded'], [rejected.decisionId, 'succeeded', 'succeeded'], [shadowed.decisionId, 'succeeded', 'succeeded'],
      [failedInReview.decisionId, 'failed', 'pending_review'],
    ].sort());
    expect(unsent.find((m) => m.decisionId === inReview.decisionId)).toMatchObject({
      paymentId: inReview.flag.payment.paymentId, claimedDecisionId: inReview.decisionId, decidedAmount: 3000, capturedAmount: 3000,
      reportedAmount: 3000, reportedCurrency: 'CNY', currency: 'CNY', eventId: batch[0]!.event.id,
    });
    // The refunds Backstop sent and the platform confirmed are not listed as unsent.
    expect((await mismatchesOf(tenantId)).filter((m) => m.kind === 'outcome_for_unsent_decision')).toEqual([]);
  });

  it('leaves every chain intact and every decision as its trail last says', async () => {
    const report = await verifyAuditChains(pool);
    expect(report.breaks).toEqual([]);
    expect(report.drifts).toEqual([]);
  });
});

describe('recording flags against the refunds the platform already made', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let pool: Pool;
  const tenantId = 'refunded';
  /** A daily budget long spent, past what a JavaScript number holds. */
  const spentTenant = 'spent';
  let sequence = 0;

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    pool = database.pool;
    await createTenant(pool, { tenantId, name: 'Refunded' });
    await createTenant(pool, { tenantId: spentTenant, name: 'Spent' });
    await saveRefundPolicy(pool, spentTenant, { v: 1, dailyAutoBudget: { CNY: 1_000_000 } }, 'test');
  });

  afterAll(async () => database?.close());

  const charge = (tenant: string) => buildFlag(tenant, { payment: { amount: 3000, unitPrice: 3000, currency: 'CNY' } });
  const ownRefund = (flag: Flag, amount: number | string, currency: string) => {
    sequence += 1;
    return pool.query(
      "INSERT INTO refund_outcomes (tenant_id, event_id, outcome, payment_id, amount, currency, occurred_at) VALUES ($1, $2, 'succeeded', $3, $4, $5, now())",
      [flag.tenantId, `evt_own_${sequence}`, flag.payment.paymentId, amount, currency],
    );
  };
  const decisionOf = async (flag: Flag) =>
    (await pool.query('SELECT status, amount FROM refund_decisions WHERE tenant_id = $1 AND payment_id = $2', [flag.tenantId, flag.payment.paymentId])).rows;
  const recordFlag = (flag: Flag) => inTransaction(pool, (client) => recordFlags(client, [flag], new Date()));

  it('counts only refunds in the charge\'s currency against it, and lists the others as a currency mismatch', async () => {
    const refundedInYen = charge(tenantId);
    await ownRefund(refundedInYen, 3000, 'JPY');
    const partlyRefunded = charge(tenantId);
    await ownRefund(partlyRefunded, 1000, 'CNY');
    await ownRefund(partlyRefunded, 5000, 'JPY');
    await recordFlag(refundedInYen);
    await recordFlag(partlyRefunded);
    expect(await decisionOf(refundedInYen)).toEqual([{ status: 'approved', amount: 3000 }]);
    expect(await decisionOf(partlyRefunded)).toEqual([{ status: 'approved', amount: 2000 }]);

    const listed = await findMismatches(pool, { tenant: tenantId, slaHours: 24, limit: 1000 }, new Date());
    const about = (flag: Flag) => listed.filter((m) => m.paymentId === flag.payment.paymentId).map((m) => [m.kind, m.reportedCurrency, m.currency]).sort();
    expect(about(refundedInYen)).toEqual([['currency_mismatch', 'JPY', 'CNY']]);
    expect(about(partlyRefunded)).toEqual([['currency_mismatch', 'JPY', 'CNY'], ['refunded_outside_backstop', 'CNY', 'CNY']]);
  });

  it('reads refunds and budgets that add up past 2^53 without failing the batch', async () => {
    const refundedManyTimes = charge(tenantId);
    await ownRefund(refundedManyTimes, '9007199254740991', 'CNY');
    await ownRefund(refundedManyTimes, '9007199254740991', 'CNY');
    await pool.query(
      `INSERT INTO auto_refund_usage (tenant_id, currency, day, amount)
       SELECT tenant_id, 'CNY', (now() AT TIME ZONE time_zone)::date + shift, 1152921504606846976 FROM tenants, generate_series(-1, 1) AS shift WHERE tenant_id = $1`,
      [spentTenant],
    );
    const overBudget = charge(spentTenant);

    expect(await recordFlag(refundedManyTimes)).toMatchObject({ flagsInserted: 1, decisionsInserted: 0 });
    expect(await decisionOf(refundedManyTimes)).toEqual([]);
    expect(await recordFlag(overBudget)).toMatchObject({ flagsInserted: 1, decisionsInserted: 1, approved: 0 });
    expect(await decisionOf(overBudget)).toEqual([{ status: 'pending_review', amount: 3000 }]);
  });
});
