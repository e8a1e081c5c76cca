import { refundIdempotencyKey, type Flag, type RefundCommand } from '@backstop/contracts';
import { appendAudit, insertRefundCommands, lockChainHeads, parseStoredPolicy, planDecisions, tenantDay, type ChainHead, type DecisionPlan, type PlannedDecision, type TenantContext } from '@backstop/ledger';
import type { PoolClient } from '@backstop/postgres';
import { countStoredCopies, insertDecisions, insertFlags, promoteShadowDecisions } from './batch-inserts';
import { loadBudgetUsage, loadChargeFacts } from './charge-facts';

export type { PlannedDecision } from '@backstop/ledger';

export interface RecordOutcome {
  flagsInserted: number;
  /** Flags recorded before from this very message: the batch, or part of it, was redone. */
  redelivered: number;
  decisionsInserted: number;
  shadowsReplaced: number;
  approved: number;
  /** Flags whose tenant Backstop does not know. */
  orphaned: Flag[];
  /** Tenants whose stored policy failed validation (the fail-safe policy was used). */
  invalidPolicies: string[];
  /** The plan relied on a daily budget that a concurrent batch used meanwhile, and was redone under the chain lock. */
  replanned: boolean;
}

interface Written {
  plan: DecisionPlan;
  inserted: PlannedDecision[];
  promoted: PlannedDecision[];
}

/**
 * Stores a batch of flags and their refund decisions in the caller's transaction, with a
 * handful of set-based statements whatever the batch size. A redelivered flag changes
 * nothing; the unique key on (tenant, payment) keeps a charge to one decision even when
 * flags on it race in from other workers.
 *
 * The batch is planned in memory from facts loaded in one query, and written before the
 * tenants' audit chains are locked; the lock is taken last, for the append. Concurrent batches
 * of a tenant thereby overlap in everything but the append. A plan that counted against a
 * daily auto-refund budget is checked under the lock: if another batch used the budget
 * meanwhile, the batch is rolled back to before its decisions and planned again while
 * holding the lock, as every batch did before.
 */
export async function recordFlags(client: PoolClient, flags: readonly Flag[], now: Date): Promise<RecordOutcome> {
  const outcome: RecordOutcome = { flagsInserted: 0, redelivered: 0, decisionsInserted: 0, shadowsReplaced: 0, approved: 0, orphaned: [], invalidPolicies: [], replanned: false };
  const tenantRows = await client.query<{ tenant_id: string; time_zone: string; document: unknown }>(
    `SELECT t.tenant_id, t.time_zone, p.document FROM tenants t LEFT JOIN refund_policies p USING (tenant_id)
      WHERE t.tenant_id = ANY($1::text[])`,
    [[...new Set(flags.map((f) => f.tenantId))]],
  );
  const tenants = new Map<string, TenantContext>(tenantRows.rows.map((row) => {
    const stored = parseStoredPolicy(row.document);
    if (stored.invalid) outcome.invalidPolicies.push(row.tenant_id);
    return [row.tenant_id, { day: tenantDay(now, row.time_zone), policy: stored.policy }] as const;
  }));
  outcome.orphaned = flags.filter((f) => !tenants.has(f.tenantId));
  // A flag raised twice in one batch (an event and its redelivery judged in one pass of the
  // detector) is kept as first received, as a copy arriving in a later batch is kept out by
  // the stored one: which copy is stored never depends on how the flags were batched.
  const firstCopies = new Map<string, Flag>();
  for (const flag of flags) {
    const key = `${flag.tenantId}\u0000${flag.flagId}`;
    if (tenants.has(flag.tenantId) && !firstCopies.has(key)) firstCopies.set(key, flag);
  }
  const known = [...firstCopies.values()];
  if (known.length === 0) return outcome;

  const fresh = await insertFlags(client, known);
  outcome.flagsInserted = fresh.length;
  const isFresh = new Set(fresh);
  outcome.redelivered = await countStoredCopies(client, known.filter((f) => !isFresh.has(f)));
  if (fresh.length === 0) return outcome;

  const mayUseBudget = fresh.some((f) => tenants.get(f.tenantId)!.policy.dailyAutoBudget[f.payment.currency] !== undefined);
  if (mayUseBudget) await client.query('SAVEPOINT planned');
  let written = await decideAndWrite(client, fresh, tenants, now);
  let heads = await lockChainHeads(client, [
    ...[...written.inserted, ...written.promoted].map((p) => p.flag.tenantId),
    ...[...written.plan.budgetsRead.values()].map((b) => b.tenantId),
  ]);
  if (!(await budgetsStillAsRead(client, written.plan, tenants))) {
    outcome.replanned = true;
    await client.query('ROLLBACK TO SAVEPOINT planned');
    heads = await lockChainHeads(client, fresh.map((f) => f.tenantId));
    written = await decideAndWrite(client, fresh, tenants, now);
  }
  await appendDecisions(client, heads, written, now);

  const { inserted, promoted } = written;
  outcome.decisionsInserted = inserted.length;
  outcome.shadowsReplaced = promoted.length;
  const automatic = [...inserted, ...promoted].filter((p) => p.decision.status === 'approved');
  outcome.approved = automatic.length;
  if (automatic.length > 0) {
    // Under the chain lock: a tenant's usage only grows while its chain is locked.
    await client.query(
      `INSERT INTO auto_refund_usage (tenant_id, currency, day, amount)
       SELECT tenant_id, currency, day, sum(amount) FROM unnest($1::text[], $2::text[], $3::date[], $4::bigint[]) AS t(tenant_id, currency, day, amount)
        GROUP BY 1, 2, 3
       ON CONFLICT (tenant_id, currency, day) DO UPDATE SET amount = auto_refund_usage.amount + excluded.amount`,
      [
        automatic.map((p) => p.flag.tenantId), automatic.map((p) => p.flag.payment.currency),
        automatic.map((p) => tenants.get(p.flag.tenantId)!.day), automatic.map((p) => p.decision.amount),
      ],
    );
  }
  return outcome;
}

/** Loads the facts, plans the decisions and writes them with their refund commands. */
async function decideAndWrite(client: PoolClient, fresh: readonly Flag[], tenants: ReadonlyMap<string, TenantContext>, now: Date): Promise<Written> {
  const facts = await loadChargeFacts(client, fresh.map((f) => ({
    tenantId: f.tenantId, paymentId: f.payment.paymentId, orderId: f.payment.orderId, currency: f.payment.currency, day: tenants.get(f.tenantId)!.day,
  })));
  const plan = planDecisions(fresh, tenants, facts);
  const inserted = await insertDecisions(client, plan.planned.filter((p) => !p.replacesShadow), now);
  const promoted = await promoteShadowDecisions(client, plan.planned.filter((p) => p.replacesShadow), now);
  await insertRefundCommands(client, [...inserted, ...promoted].filter((p) => p.decision.status === 'approved').map((p) => refundCommandOf(p, now)));
  return { plan, inserted, promoted };
}

/** True when no budget the plan counted against was used by another batch since; call with the chains locked. */
async function budgetsStillAsRead(client: PoolClient, plan: DecisionPlan, tenants: ReadonlyMap<string, TenantContext>): Promise<boolean> {
  if (plan.budgetsRead.size === 0) return true;
  const reads = [...plan.budgetsRead.entries()];
  const usage = await loadBudgetUsage(client, reads.map(([, read]) => ({ ...read, day: tenants.get(read.tenantId)!.day })));
  return reads.every(([key, read]) => (usage.get(key) ?? 0) === read.used);
}

async function appendDecisions(client: PoolClient, heads: Map<string, ChainHead>, { inserted, promoted }: Written, now: Date): Promise<void> {
  await appendAudit(client, heads, [...inserted, ...promoted].map(({ decisionId, flag, decision, replacesShadow }) => ({
    tenantId: flag.tenantId, decisionId, paymentId: flag.payment.paymentId, from: replacesShadow ? 'shadowed' : null, to: decision.status,
    amount: decision.amount, currency: flag.payment.currency, actor: decision.decidedBy, at: now.toISOString(),
  })));
}

/**
 * The refund command of a decision this batch approved, from the flag and decision in hand:
 * the same command the ledger would read back from the decision row.
 */
export function refundCommandOf({ decisionId, flag, decision }: PlannedDecision, approvedAt: Date): RefundCommand {
  const { payment } = flag;
  return {
    v: 1,
    decisionId,
    idempotencyKey: refundIdempotencyKey(flag.tenantId, payment.paymentId),
    tenantId: flag.tenantId,
    paymentId: payment.paymentId,
    orderId: payment.orderId,
    payerId: payment.payerId,
    merchantId: payment.merchantId,
    amount: decision.amount,
    currency: payment.currency,
    capturedAmount: decision.capturedAmount,
    reason: decision.reason,
    flagId: flag.flagId,
    flagType: flag.type,
    severity: flag.severity,
    evidenceSummary: flag.evidence.informationFlow.summary,
    revokeGoodsFirst: decision.revokeGoodsFirst,
    advice: decision.advice,
    approvedBy: decision.decidedBy,
    approvedAt: approvedAt.toISOString(),
  };
}
