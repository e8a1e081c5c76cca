import type { PaymentSnapshot, RulesConfig, Severity } from '@backstop/contracts';

type Settings = RulesConfig['product.misselected'];

/**
 * How the mistaken purchase's recipient relates to the correction's: a correction replaces
 * the mistaken item for the same account. `usual-account` is the account of the payer's
 * usual purchases; `same-other-account` both went to an account the usual ones did not;
 * `unknown` when either carries none. Different accounts are never a correction: something
 * bought for someone else, then the payer's own usual item.
 */
export type RecipientRelation = 'usual-account' | 'same-other-account' | 'unknown' | 'different';

export function recipientRelation(mistake: PaymentSnapshot, correction: PaymentSnapshot, usualAccounts: ReadonlySet<string>): RecipientRelation {
  const [a, b] = [mistake.recipientAccount, correction.recipientAccount];
  if (a === undefined || b === undefined) return 'unknown';
  if (a !== b) return 'different';
  return usualAccounts.has(a) ? 'usual-account' : 'same-other-account';
}

/** What the rule saw about one mistake and its correction. */
export interface MisselectedFacts {
  usualPurchases: number;
  amountRatio: number;
  gapSeconds: number;
  recipient: Exclude<RecipientRelation, 'different'>;
  /** When the mistaken order's goods were delivered (ms), if the detector saw it. */
  mistakeDeliveredMs: number | undefined;
  correctionMs: number;
}

export interface Signal {
  signal: 'usualPurchases' | 'amountRatio' | 'gapSeconds' | 'recipient' | 'mistakeDeliveredBeforeCorrection';
  value: number | string | boolean;
  /** What it added to (or took from) the confidence. */
  weight: number;
}

/** Up to half as dear again is still a neighbouring price; beyond it, up to the limit, it counts against. */
const NEIGHBOURING_PRICE_RATIO = 1.5;

/** A mistake about which the rule knows nothing but the pattern itself. */
const BASE_CONFIDENCE = 0.5;

/**
 * Grades the evidence instead of gating on it. Each signal moves the confidence:
 * - a habit of three or more purchases in the usual category counts in full, one or two for
 *   much less (a newcomer is who picks the wrong shelf, but also who tries new things);
 * - a close price counts more than one up to twice as dear or cheap;
 * - a quick correction counts a little more;
 * - both purchases for the account of the usual purchases count a little more, both for
 *   another account a little less;
 * - goods delivered before the correction count against: the payer had them in hand and
 *   bought again, and a refund would need them revoked.
 * Severity follows the confidence: high only with a full habit, a close price and nothing
 * delivered, which is what an automatic refund may rest on.
 */
export function gradeMisselected(facts: MisselectedFacts, settings: Settings): { confidence: number; severity: Severity; signals: Signal[] } {
  const deliveredBefore = facts.mistakeDeliveredMs !== undefined && facts.mistakeDeliveredMs <= facts.correctionMs;
  const habit = facts.usualPurchases >= settings.fullUsualPurchases ? 0.3 : facts.usualPurchases >= 2 ? 0.15 : 0.05;
  const price = facts.amountRatio <= settings.closeAmountRatio ? 0.1 : facts.amountRatio <= NEIGHBOURING_PRICE_RATIO ? 0.05 : -0.05;
  const signals: Signal[] = [
    { signal: 'usualPurchases', value: facts.usualPurchases, weight: habit },
    { signal: 'amountRatio', value: facts.amountRatio, weight: price },
    { signal: 'gapSeconds', value: facts.gapSeconds, weight: facts.gapSeconds <= settings.quickCorrectionSeconds ? 0.05 : 0 },
    { signal: 'recipient', value: facts.recipient, weight: facts.recipient === 'usual-account' ? 0.05 : facts.recipient === 'same-other-account' ? -0.05 : 0 },
    { signal: 'mistakeDeliveredBeforeCorrection', value: deliveredBefore, weight: deliveredBefore ? -0.15 : 0 },
  ];
  const sum = signals.reduce((total, s) => total + s.weight, BASE_CONFIDENCE);
  const confidence = Math.round(Math.min(0.97, Math.max(0.3, sum)) * 100) / 100;
  const severity: Severity = sum >= 0.9 - 1e-9 ? 'high' : sum >= 0.7 - 1e-9 ? 'medium' : 'low';
  return { confidence, severity, signals };
}
