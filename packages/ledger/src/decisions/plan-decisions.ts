import { randomUUID } from 'node:crypto';
import type { Flag, RefundPolicy } from '@backstop/contracts';
import { decide, type Decision } from './decide';
import type { ChargeFacts } from './charge-facts';

/** What a batch needs to know about one of its tenants. */
export interface TenantContext {
  /** The tenant's current day, for its auto-refund budget. */
  day: string;
  policy: RefundPolicy;
}

export interface PlannedDecision {
  decisionId: string;
  flag: Flag;
  decision: Decision;
  /** The charge has a shadow decision that this real one takes the place of. */
  replacesShadow: boolean;
}

export interface DecisionPlan {
  planned: PlannedDecision[];
  /**
   * The auto-refund usage the plan relied on, by "tenant\0currency": only pairs whose tenant
   * has a daily budget in that currency, where a concurrent batch's approvals could change the
   * outcome. Empty: no decision depends on what other batches approve.
   */
  budgetsRead: Map<string, BudgetRead>;
}

export interface BudgetRead {
  tenantId: string;
  currency: string;
  /** Automatic refunds already granted today when the facts were loaded, in minor units. */
  used: number;
}

export const chargeKey = (tenantId: string, paymentId: string) => `${tenantId}\u0000${paymentId}`;
export const budgetKey = (tenantId: string, currency: string) => `${tenantId}\u0000${currency}`;

/**
 * Decides a batch's fresh flags in memory, from the facts loaded for them. A charge's first
 * flag with a real decision decides it; later flags stay evidence. A shadow decision only
 * records what a rule on trial would have done, so a later flag with a real decision replaces
 * it (in place: the charge keeps one decision row and one audit trail). Approvals count
 * against the tenant's daily budget as the batch goes.
 */
export function planDecisions(
  fresh: readonly Flag[],
  tenants: ReadonlyMap<string, TenantContext>,
  facts: ChargeFacts,
  newId: () => string = randomUUID,
): DecisionPlan {
  const used = new Map(facts.autoRefundedToday);
  const budgetsRead = new Map<string, BudgetRead>();
  const plans = new Map<string, PlannedDecision>();
  for (const flag of fresh) {
    const tenant = tenants.get(flag.tenantId);
    if (!tenant) continue;
    const charge = chargeKey(flag.tenantId, flag.payment.paymentId);
    const existing = facts.decided.get(charge);
    const holder = plans.get(charge)?.decision.status ?? existing?.status;
    if (holder !== undefined && holder !== 'shadowed') continue;
    const budget = budgetKey(flag.tenantId, flag.payment.currency);
    if (tenant.policy.dailyAutoBudget[flag.payment.currency] !== undefined && !budgetsRead.has(budget)) {
      budgetsRead.set(budget, { tenantId: flag.tenantId, currency: flag.payment.currency, used: facts.autoRefundedToday.get(budget) ?? 0 });
    }
    const decision = decide(flag, {
      policy: tenant.policy,
      delivered: facts.delivered.has(`${flag.tenantId}\u0000${flag.payment.orderId}`),
      refundedElsewhere: facts.refundedElsewhere.get(charge) ?? 0,
      autoRefundedToday: used.get(budget) ?? 0,
    });
    if (!decision || (holder === 'shadowed' && decision.status === 'shadowed')) continue;
    if (decision.status === 'approved') used.set(budget, (used.get(budget) ?? 0) + decision.amount);
    plans.set(charge, { decisionId: existing?.decisionId ?? newId(), flag, decision, replacesShadow: existing !== undefined });
  }
  return { planned: [...plans.values()], budgetsRead };
}
