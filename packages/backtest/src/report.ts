import type { FlagType } from '@backstop/contracts';

/** A flag as the report shows it: ids, severity and amount; never an account number. */
export interface FlagExample {
  flagId: string;
  paymentId: string;
  payerId: string;
  severity: string;
  amount: number;
  currency: string;
  receivedAt: string;
}

export interface RuleDiff {
  rule: FlagType;
  production: number;
  candidate: number;
  added: number;
  removed: number;
  addedExamples: FlagExample[];
  removedExamples: FlagExample[];
}

/** 'none': no decision (no flag, or the rule only notifies). */
export type DecisionAction = 'auto_refund' | 'review' | 'shadow' | 'none';

export interface DecisionChange {
  from: DecisionAction;
  to: DecisionAction;
  charges: number;
  examples: { paymentId: string; fromAmount: number; toAmount: number; currency: string }[];
}

/** Money refunded without a person, in minor units of `currency`. */
export interface MoneyDiff {
  currency: string;
  production: number;
  candidate: number;
  /** Charges refunded (or refunded more) under the candidate configuration. */
  added: number;
  /** Charges no longer refunded (or refunded less). */
  removed: number;
}

export interface Precision {
  /** Flags of the rule on charges a reviewer judged. */
  reviewed: number;
  /** Of those, the charges the reviewer approved the refund of. */
  confirmed: number;
  /** confirmed / reviewed; null with nothing reviewed. */
  precision: number | null;
}

export interface RulePrecision {
  rule: FlagType;
  before: Precision;
  after: Precision;
}

export interface Comparison {
  rules: RuleDiff[];
  decisions: { changed: number; changes: DecisionChange[] };
  autoRefunded: MoneyDiff[];
  /** Reviewers' verdicts on the period's charges, the labels precision is measured with. */
  labels: { approved: number; rejected: number; falsePositive: number };
  precision: RulePrecision[];
}

export interface BacktestReport extends Comparison {
  v: 1;
  tenantId: string;
  period: { from: string; to: string };
  warmUp: {
    from: string;
    hours: number;
    /** False when retention had already deleted part of it: state older than what remains is missing. */
    complete: boolean;
  };
  /** Messages read from the events topic: before `from` (warm-up) and within the period. */
  events: { warmUp: number; period: number };
  /** What was tried, and a digest that names exactly that configuration (for promotion). */
  candidate: { rulesFrom: string; policyFrom: string; digest: string };
}
