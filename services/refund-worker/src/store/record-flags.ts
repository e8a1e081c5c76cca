import { randomUUID } from 'node:crypto';
import type { Flag } from '@backstop/contracts';
import { appendAudit, enqueueRefundCommands, lockChainHeads, parseStoredPolicy } from '@backstop/ledger';
import type { PoolClient } from '@backstop/postgres';
import { decide, type Decision } from '../policy/decide';
import { tenantDay } from '../policy/tenant-day';
import { countStoredCopies, insertDecisions, insertFlags, promoteShadowDecisions } from './batch-inserts';
import { loadChargeFacts, type ChargeKey } from './charge-facts';

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
}

export interface PlannedDecision {
  decisionId: string;
  flag: Flag;
  decision: Decision;
  /** The charge has a shadow decision that this real one takes the place of. */
  replacesShadow: boolean;
}

const chargeKey = (tenantId: string, paymentId: string) => `${tenantId}\u0000${paymentId}`;

/**
 * Stores a batch of flags and their refund decisions in the caller's transaction, with a
 * handful of set-based statements whatever the batch size. A redelivered flag changes
 * nothing; the unique key on (tenant, payment) keeps a charge to one decision even when
 * flags on it race in from other workers, whose batches queue on the tenant's chain lock.
 */
export async function recordFlags(client: PoolClient, flags: readonly Flag[], now: Date): Promise<RecordOutcome> {
  const outcome: RecordOutcome = { flagsInserted: 0, redelivered: 0, decisionsInserted: 0, shadowsReplaced: 0, approved: 0, orphaned: [], invalidPolicies: [] };
  const tenantRows = await client.query<{ tenant_id: string; time_zone: string; document: unknown }>(
    `SELECT t.tenant_id, t.time_zone, p.document FROM tenants t LEFT JOIN refund_policies p USING (tenant_id)
      WHERE t.tenant_id = ANY($1::text[])`,
    [[...new Set(flags.map((f) => f.tenantId))]],
  );
  const tenants = new Map(tenantRows.rows.map((row) => {
    const stored = parseStoredPolicy(row.document);
    if (stored.invalid) outcome.invalidPolicies.push(row.tenant_id);
    return [row.tenant_id, { day: tenantDay(now, row.time_zone), policy: stored.policy }] as const;
  }));
  outcome.orphaned = flags.filter((f) => !tenants.has(f.tenantId));
  const known = [...new Map(flags.filter((f) => tenants.has(f.tenantId)).map((f) => [`${f.tenantId}\u0000${f.flagId}`, f])).values()];
  if (known.length === 0) return outcome;

  const heads = await lockChainHeads(client, tenants.keys());
  const fresh = await insertFlags(client, known);
  outcome.flagsInserted = fresh.length;
  const isFresh = new Set(fresh);
  outcome.redelivered = await countStoredCopies(client, known.filter((f) => !isFresh.has(f)));

  const keys: ChargeKey[] = fresh.map((f) => ({ tenantId: f.tenantId, paymentId: f.payment.paymentId, orderId: f.payment.orderId, currency: f.payment.currency, day: tenants.get(f.tenantId)!.day }));
  const facts = await loadChargeFacts(client, keys);

  // A charge's first flag with a real decision decides it; later flags stay evidence. A shadow
  // decision only records what a rule on trial would have done, so a later flag with a real
  // decision replaces it (in place: the charge keeps one decision row and one audit trail).
  const plans = new Map<string, PlannedDecision>();
  for (const flag of fresh) {
    const charge = chargeKey(flag.tenantId, flag.payment.paymentId);
    const existing = facts.decided.get(charge);
    const holder = plans.get(charge)?.decision.status ?? existing?.status;
    if (holder !== undefined && holder !== 'shadowed') continue;
    const budgetKey = `${flag.tenantId}\u0000${flag.payment.currency}`;
    const decision = decide(flag, {
      policy: tenants.get(flag.tenantId)!.policy,
      delivered: facts.delivered.has(`${flag.tenantId}\u0000${flag.payment.orderId}`),
      refundedElsewhere: facts.refundedElsewhere.get(charge) ?? 0,
      autoRefundedToday: facts.autoRefundedToday.get(budgetKey) ?? 0,
    });
    if (!decision || (holder === 'shadowed' && decision.status === 'shadowed')) continue;
    if (decision.status === 'approved') facts.autoRefundedToday.set(budgetKey, (facts.autoRefundedToday.get(budgetKey) ?? 0) + decision.amount);
    plans.set(charge, { decisionId: existing?.decisionId ?? randomUUID(), flag, decision, replacesShadow: existing !== undefined });
  }

  const planned = [...plans.values()];
  const inserted = await insertDecisions(client, planned.filter((p) => !p.replacesShadow), now);
  const promoted = await promoteShadowDecisions(client, planned.filter((p) => p.replacesShadow), now);
  outcome.decisionsInserted = inserted.length;
  outcome.shadowsReplaced = promoted.length;
  await appendAudit(client, heads, [...inserted, ...promoted].map(({ decisionId, flag, decision, replacesShadow }) => ({
    tenantId: flag.tenantId, decisionId, paymentId: flag.payment.paymentId, from: replacesShadow ? 'shadowed' : null, to: decision.status,
    amount: decision.amount, currency: flag.payment.currency, actor: decision.decidedBy, at: now.toISOString(),
  })));

  const automatic = [...inserted, ...promoted].filter((p) => p.decision.status === 'approved');
  outcome.approved = automatic.length;
  if (automatic.length > 0) {
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
    await enqueueRefundCommands(client, automatic.map((p) => p.decisionId));
  }
  return outcome;
}
