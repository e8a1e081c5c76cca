import { RefundPolicy, type FlagType, type PolicyRule } from '@backstop/contracts';

/** What Backstop does for a tenant that has not said otherwise. */
export const defaultRules: Record<FlagType, PolicyRule> = {
  'duplicate.exact': { action: 'auto_refund', trying: 'auto_refund' },
  'duplicate.suspected': { action: 'review', bySeverity: { high: 'auto_refund' }, trying: 'auto_refund' },
  'amount.digit_slip': { action: 'review', trying: 'auto_refund' },
  'amount.outlier': { action: 'review', trying: 'auto_refund' },
  'recipient.near_miss': { action: 'review', trying: 'auto_refund' },
  // Goods not yet delivered can simply be cancelled with the money; delivered ones need a person.
  'product.misselected': { action: 'auto_refund', whenDelivered: 'review', trying: 'auto_refund' },
  'velocity.burst': { action: 'notify', trying: 'auto_refund' },
};

export const defaultPolicy: RefundPolicy = RefundPolicy.parse({ v: 1 });

/** The rule for a flag type: the tenant's own, else the default. */
export function ruleFor(policy: RefundPolicy, type: FlagType): PolicyRule {
  return policy.rules[type] ?? defaultRules[type];
}
