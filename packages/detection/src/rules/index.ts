import type { FlagType } from '@backstop/contracts';
import type { RulesConfig } from '@backstop/contracts';
import { amountOutlier } from './amount-outlier';
import { digitSlip } from './digit-slip';
import { duplicateExact } from './duplicate-exact';
import { duplicateSuspected } from './duplicate-suspected';
import { productMisselected } from './product-misselected';
import type { Finding, Rule, RuleContext } from './rule';
import { recipientNearMiss } from './recipient-near-miss';
import { velocityBurst } from './velocity-burst';

export const rules: Rule[] = [
  duplicateExact,
  duplicateSuspected,
  digitSlip,
  amountOutlier,
  recipientNearMiss,
  productMisselected,
  velocityBurst,
] as Rule[];

/**
 * A more specific explanation of the same charge replaces a vaguer one: a 10× slip is also
 * an outlier, but the slip says what went wrong.
 */
const supersededBy: Partial<Record<FlagType, FlagType>> = { 'amount.outlier': 'amount.digit_slip' };

/** Runs every rule the tenant has enabled, skipping allowlisted payers and merchants. */
export function evaluateRules(context: RuleContext, config: RulesConfig): Finding[] {
  const findings: Finding[] = [];
  for (const rule of rules) {
    const settings = config[rule.type];
    if (!settings.enabled) continue;
    if (settings.allowlist.payers.includes(context.payment.payerId)) continue;
    if (settings.allowlist.merchants.includes(context.payment.merchantId)) continue;
    findings.push(...rule.evaluate(context, settings as never));
  }
  return findings.filter((finding) => {
    const stronger = supersededBy[finding.type];
    return !stronger || !findings.some((other) => other.type === stronger && other.flagged.paymentId === finding.flagged.paymentId);
  });
}

export type { Finding, Rule, RuleContext } from './rule';
