import type { Flag, RefundPolicy } from '@backstop/contracts';
import { budgetKey, chargeKey, noFacts, planDecisions, tenantDay, type Decision } from '@backstop/ledger';

/** Delivered orders remembered for the policy's "goods delivered" cases; the oldest are forgotten first. */
const DELIVERIES_CAP = 500_000;

export interface ShadowDecision {
  paymentId: string;
  flagId: string;
  action: Decision['action'];
  status: Decision['status'];
  amount: number;
  currency: string;
}

/**
 * The refund policy applied to the candidate flags exactly as the refund worker plans a batch
 * (`planDecisions` of @backstop/ledger), with the facts it would read from Postgres kept in
 * memory instead: each charge's decision so far, delivered orders seen on the events topic,
 * and the automatic refunds of each day. A day is the tenant's day of the event's receipt,
 * not of the wall clock, so the same period always spends the daily budget the same way.
 * Refunds the platform made on its own are not on the events topic's flagged charges' path
 * and count as none.
 */
export class ShadowRefunds {
  private readonly facts = noFacts();
  private readonly usageByDay = new Map<string, Map<string, number>>();
  private counter = 0;

  constructor(
    private readonly tenantId: string,
    private readonly policy: RefundPolicy,
    private readonly timeZone: string,
  ) {}

  delivered(orderId: string): void {
    const key = `${this.tenantId}\u0000${orderId}`;
    this.facts.delivered.delete(key);
    this.facts.delivered.add(key);
    if (this.facts.delivered.size > DELIVERIES_CAP) this.facts.delivered.delete(this.facts.delivered.values().next().value!);
  }

  /** Decides flags in the order they were raised; returns the decisions made (at most one per charge). */
  decide(flags: readonly Flag[]): ShadowDecision[] {
    const made: ShadowDecision[] = [];
    const byDay = new Map<string, Flag[]>();
    for (const flag of flags) {
      const day = tenantDay(new Date(flag.receivedAt), this.timeZone);
      const list = byDay.get(day);
      if (list) list.push(flag);
      else byDay.set(day, [flag]);
    }
    for (const [day, dayFlags] of byDay) {
      const usage = this.usageByDay.get(day) ?? new Map<string, number>();
      this.usageByDay.set(day, usage);
      this.facts.autoRefundedToday = usage;
      const tenants = new Map([[this.tenantId, { day, policy: this.policy }]]);
      // Ids only name the plan's rows here; counting keeps them the same on every run.
      const { planned } = planDecisions(dayFlags, tenants, this.facts, () => `shadow-${(this.counter += 1)}`);
      for (const { decisionId, flag, decision } of planned) {
        this.facts.decided.set(chargeKey(flag.tenantId, flag.payment.paymentId), { decisionId, status: decision.status });
        if (decision.status === 'approved') {
          const key = budgetKey(flag.tenantId, flag.payment.currency);
          usage.set(key, (usage.get(key) ?? 0) + decision.amount);
        }
        made.push({
          paymentId: flag.payment.paymentId, flagId: flag.flagId, action: decision.action, status: decision.status, amount: decision.amount, currency: flag.payment.currency,
        });
      }
    }
    return made;
  }
}
