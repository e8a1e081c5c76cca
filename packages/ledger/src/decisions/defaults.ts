import { RefundPolicy, type FlagType, type PolicyRule } from '@backstop/contracts';

/** What Backstop does for a tenant that has not said otherwise. */
export const defaultRules: Record<FlagType, PolicyRule> = {
  'duplicate.exact': { action: 'auto_refund', trying: 'auto_refund' },
  'duplicate.suspected': { action: 'review', bySeverity: { high: 'auto_refund' }, trying: 'auto_refund' },
  'amount.digit_slip': { action: 'review', trying: 'auto_refund' },
  'amount.outlier': { action: 'review', trying: 'auto_refund' },
  'recipient.near_miss': { action: 'review', trying: 'auto_refund' },
  // A wrong-product flag is a guess about what the payer meant: a person decides unless the
  // tenant opts in, and even then only high-confidence flags on revocable goods (see decide).
  'product.misselected': { action: 'review', trying: 'auto_refund' },
  'velocity.burst': { action: 'notify', trying: 'auto_refund' },
};

export const defaultPolicy: RefundPolicy = RefundPolicy.parse({ v: 1 });

/** The rule for a flag type: the tenant's own, else the default. */
export function ruleFor(policy: RefundPolicy, type: FlagType): PolicyRule {
  return policy.rules[type] ?? defaultRules[type];
}
