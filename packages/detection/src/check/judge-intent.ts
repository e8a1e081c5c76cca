import { checkReasonsOfFlag, defaultRulesConfig, type CheckReasonCode, type CheckVerdict, type FlagType, type RulesConfig } from '@backstop/contracts';
import { evaluateRules, type RuleContext } from '../rules';
import type { ReasonFinding } from './check-reason';
import { unusualCategory, unverifiedNewRecipient } from './check-only-reasons';
import { reasonsFromFindings } from './finding-reasons';

/** A more specific reason says what the vaguer one would: a near miss of a known account is also a new one. */
const supersededBy: Partial<Record<CheckReasonCode, CheckReasonCode>> = { 'recipient.unverified_new': 'recipient.near_known' };

/** Rules whose findings give no reason to confirm are not run at all: a check's time is the payment's. */
const silentRules = (Object.keys(defaultRulesConfig) as FlagType[]).filter((type) => checkReasonsOfFlag[type].length === 0);
const withoutSilent = new WeakMap<RulesConfig, RulesConfig>();
function withoutSilentRules(config: RulesConfig): RulesConfig {
  let trimmed = withoutSilent.get(config);
  if (!trimmed) {
    trimmed = { ...config };
    for (const type of silentRules) trimmed = { ...trimmed, [type]: { ...config[type], enabled: false } };
    withoutSilent.set(config, trimmed);
  }
  return trimmed;
}

/**
 * What the detector would say about the payment about to be made, judged on the payer's state
 * before it with the tenant's own rule settings: `confirm` with its reasons, or `allow`.
 */
export function judgeIntent(context: RuleContext, config: RulesConfig): { verdict: CheckVerdict; reasons: ReasonFinding[] } {
  const found = [
    ...reasonsFromFindings(evaluateRules(context, withoutSilentRules(config)), context.payment),
    ...unverifiedNewRecipient(context, config),
    ...unusualCategory(context, config),
  ];
  const codes = new Set(found.map((reason) => reason.code));
  const reasons = found.filter((reason, index) => {
    const stronger = supersededBy[reason.code];
    return !(stronger && codes.has(stronger)) && found.findIndex((other) => other.code === reason.code) === index;
  });
  return { verdict: reasons.length > 0 ? 'confirm' : 'allow', reasons };
}
