import type { EventMark, Evidence, FlagType, PaymentSnapshot, Severity } from '@backstop/contracts';
import type { PayerSnapshot } from '../state/payer-state';

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
  informationFlow: Omit<Evidence['informationFlow'], 'rule'>;
}

export type Rule = (context: RuleContext) => Finding[];

export function byOccurredAt(a: PaymentSnapshot, b: PaymentSnapshot): number {
  return Date.parse(a.occurredAt) - Date.parse(b.occurredAt) || a.paymentId.localeCompare(b.paymentId);
}
