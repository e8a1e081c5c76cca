import type { EventMark, Evidence, FlagMessage, FlagType, PaymentSnapshot, Severity } from '@backstop/contracts';
import type { RulesConfig } from '@backstop/contracts';
import type { PayerSnapshot } from '../state/payer-snapshot';
import { msOf } from './payment-time';

/** Everything a rule may look at for one payment: the payment and its payer's state before it. */
export interface RuleContext {
  tenantId: string;
  payment: PaymentSnapshot;
  marks: readonly EventMark[];
  before: PayerSnapshot;
}

/** A rule's finding, before it is stamped with ids and times. */
export interface Finding {
  type: FlagType;
  severity: Severity;
  confidence: number;
  /** The charge that is probably the mistake. */
  flagged: PaymentSnapshot;
  /** Every payment the finding rests on, the flagged one included; their ids make the flagId. */
  involved: PaymentSnapshot[];
  /**
   * The payments whose ids make the flagId instead, when the evidence around a mistake may
   * differ with the order its payments arrive in but the mistake is one and the same.
   */
  identifiedBy?: PaymentSnapshot[];
  /** Why it fired: the message people read (rendered in their language), thresholds and what was compared. */
  informationFlow: Omit<Evidence['informationFlow'], 'rule' | 'summary' | 'message'> & { message: FlagMessage };
}

/** One rule: a pure function of the context and the tenant's settings for it. */
export interface Rule<T extends FlagType = FlagType> {
  type: T;
  evaluate(context: RuleContext, settings: RulesConfig[T]): Finding[];
}

export function defineRule<T extends FlagType>(type: T, evaluate: Rule<T>['evaluate']): Rule<T> {
  return { type, evaluate };
}

export function byOccurredAt(a: PaymentSnapshot, b: PaymentSnapshot): number {
  return msOf(a) - msOf(b) || a.paymentId.localeCompare(b.paymentId);
}

export { msOf };

/** An amount of the payment's currency, as messages carry money. */
export const moneyOf = (amount: number, payment: PaymentSnapshot) => ({ amount: Math.round(amount), currency: payment.currency });

/**
 * The payer's history as it matters for one payment: same currency, other payments, oldest
 * first, each payment once even if the platform reported it under two event ids.
 */
export function historyFor(context: RuleContext): readonly PaymentSnapshot[] {
  let history = histories.get(context);
  if (history === undefined) {
    const { payment, before } = context;
    const seen = new Set<string>([payment.paymentId]);
    history = before.payments.filter((p) => {
      if (p.currency !== payment.currency || seen.has(p.paymentId)) return false;
      seen.add(p.paymentId);
      return true;
    });
    histories.set(context, history);
  }
  return history;
}

/** Each rule of an event asks for the same history; it is built once per context. */
const histories = new WeakMap<RuleContext, readonly PaymentSnapshot[]>();

/** Thresholds travel as flat records of numbers, strings and booleans. */
export function thresholdsOf(settings: object): Record<string, number | string | boolean> {
  const flat: Record<string, number | string | boolean> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (name === 'allowlist' || name === 'enabled') continue;
    if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') flat[name] = value;
    else if (Array.isArray(value)) flat[name] = value.join(',');
  }
  return flat;
}
