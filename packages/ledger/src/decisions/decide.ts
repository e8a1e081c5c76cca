import type { DecisionMessage, Flag, GuardMessage, PolicyAction, RefundAdvice, RefundPolicy } from '@backstop/contracts';
import { renderMessage } from '@backstop/messages';
import { ruleFor } from './defaults';

/** What the worker knows about a flagged charge besides the flag itself. */
export interface DecisionContext {
  policy: RefundPolicy;
  /** `order.delivered` was seen for the charge's order. */
  delivered: boolean;
  /** What the platform already refunded of this charge on its own, in minor units. */
  refundedElsewhere: number;
  /** Automatic refunds already granted today in the flag's currency, in minor units. */
  autoRefundedToday: number;
}

export type DecisionStatusAtStart = 'approved' | 'pending_review' | 'shadowed';

export interface Decision {
  action: Exclude<PolicyAction, 'notify'>;
  status: DecisionStatusAtStart;
  amount: number;
  capturedAmount: number;
  /** The reason in English, for logs and exports of old rows; `reasonMessage` renders in any language. */
  reason: string;
  reasonMessage: DecisionMessage;
  advice: RefundAdvice | null;
  revokeGoodsFirst: boolean;
  /** For a shadow decision: what the rule would have done. */
  shadowAction: Exclude<PolicyAction, 'shadow'> | null;
  decidedBy: string;
}

/** The amount the payer meant to pay, when the flag's evidence shows it. */
export function intendedAmount(flag: Flag): number | undefined {
  const observed = flag.evidence.informationFlow.observed.intendedAmount;
  if (typeof observed === 'number' && Number.isSafeInteger(observed) && observed >= 0) return observed;
  const { unitPrice, quantity, orderAmount, amount } = flag.payment;
  if (unitPrice !== undefined && unitPrice * quantity < amount) return unitPrice * quantity;
  if (orderAmount !== undefined && orderAmount < amount) return orderAmount;
  return undefined;
}

/** The whole charge, except a digit slip where the tenant allows partial refunds: then the excess. */
function proposedAmount(flag: Flag, policy: RefundPolicy): number {
  if (flag.type === 'amount.digit_slip' && policy.partialRefunds) {
    const intended = intendedAmount(flag);
    if (intended !== undefined) return flag.payment.amount - intended;
  }
  return flag.payment.amount;
}

function adviceFor(flag: Flag): RefundAdvice | null {
  if (flag.type.startsWith('amount.')) return 'hold_delivery';
  if (flag.type === 'recipient.near_miss') return 'freeze_recipient_balance';
  return null;
}

/** The action the rule picks before guards: severity first, then delivery. */
export function ruleAction(flag: Flag, policy: RefundPolicy, delivered: boolean): PolicyAction {
  const rule = ruleFor(policy, flag.type);
  const action = rule.bySeverity?.[flag.severity] ?? rule.action;
  return delivered && rule.whenDelivered ? rule.whenDelivered : action;
}

/**
 * Whether the flagged order's goods were delivered: the worker's own record of
 * `order.delivered`, or the detector's evidence that it saw the delivery.
 */
export function wasDelivered(flag: Flag, context: DecisionContext): boolean {
  const observed = flag.evidence.informationFlow.observed;
  return context.delivered || (flag.type === 'product.misselected' && typeof observed.mistakeDeliveredAt === 'string');
}

/**
 * Why a flag that guesses at the payer's intent must not be refunded automatically, if it
 * must not. A wrong-product flag says "this was probably not the item meant"; the payer may
 * have meant it. So even where the tenant opted in, money moves without a person only on the
 * rule's high grade (a full habit, a close price, the usual account, nothing delivered), and,
 * once goods were delivered, only where the tenant said delivered goods can be revoked
 * (`whenDelivered: auto_refund`; the command then carries `revokeGoodsFirst`).
 */
export function guardIntentGuess(flag: Flag, policy: RefundPolicy, delivered: boolean): GuardMessage | null {
  if (flag.type !== 'product.misselected') return null;
  if (flag.severity !== 'high') return { key: 'guard.intent_not_certain', params: { severity: flag.severity, confidence: flag.confidence } };
  if (delivered && ruleFor(policy, flag.type).whenDelivered !== 'auto_refund') return { key: 'guard.delivered_not_revocable', params: {} };
  return null;
}

/**
 * A pre-payment check warned the user of this very mistake and they confirmed and paid anyway:
 * they may well have meant it, so unless the tenant says otherwise a person decides.
 */
export function guardWarnedAndConfirmed(flag: Flag, policy: RefundPolicy): GuardMessage | null {
  const warning = flag.evidence.informationFlow.confirmedWarning;
  return warning?.coversFlag && policy.whenWarnedAndConfirmed === 'review' ? { key: 'guard.warned_and_confirmed', params: {} } : null;
}

/** Why an automatic refund of `amount` must go to a reviewer instead, if it must. */
export function guardAgainstAuto(amount: number, currency: string, context: DecisionContext): GuardMessage | null {
  const { policy } = context;
  if (policy.killSwitch) return { key: 'guard.kill_switch', params: {} };
  const max = policy.maxAutoRefund[currency];
  if (max !== undefined && amount > max) return { key: 'guard.single_limit', params: { amount: { amount, currency }, limit: { amount: max, currency } } };
  const budget = policy.dailyAutoBudget[currency];
  if (budget !== undefined && context.autoRefundedToday + amount > budget) {
    return { key: 'guard.daily_budget', params: { budget: { amount: budget, currency }, used: { amount: context.autoRefundedToday, currency } } };
  }
  return null;
}

/** The decision's reason as a message, with its English rendering beside it. */
function reasonOf(message: DecisionMessage): { reason: string; reasonMessage: DecisionMessage } {
  return { reason: renderMessage(message, { lang: 'en' }), reasonMessage: message };
}

/**
 * Applies the tenant's policy to a flag. Returns null when there is nothing to decide: the
 * rule only notifies, or the platform already refunded the whole charge.
 */
export function decide(flag: Flag, context: DecisionContext): Decision | null {
  const capturedAmount = flag.payment.amount;
  const refundable = capturedAmount - Math.min(context.refundedElsewhere, capturedAmount);
  const amount = Math.min(proposedAmount(flag, context.policy), refundable);
  const delivered = wasDelivered(flag, context);
  const picked = ruleAction(flag, context.policy, delivered);
  if (picked === 'notify' || amount <= 0) return null;

  const base = {
    amount,
    capturedAmount,
    advice: adviceFor(flag),
    // Purchases and top-ups hand something over, often instantly; it is voided before the money goes back.
    revokeGoodsFirst: flag.payment.kind !== 'transfer' && (flag.type.startsWith('duplicate.') || flag.type === 'product.misselected' || delivered),
  };
  const what = { flagType: flag.type, paymentId: flag.payment.paymentId, orderId: flag.payment.orderId };

  if (picked === 'shadow') {
    const trying = ruleFor(context.policy, flag.type).trying;
    const guarded =
      trying === 'auto_refund'
        ? guardWarnedAndConfirmed(flag, context.policy) ?? guardIntentGuess(flag, context.policy, delivered) ?? guardAgainstAuto(amount, flag.payment.currency, context)
        : null;
    const wouldDo = trying === 'notify' ? 'notify' : guarded ? 'review' : trying;
    return {
      ...base, action: 'shadow', status: 'shadowed', shadowAction: wouldDo, decidedBy: 'policy:shadow',
      ...reasonOf({ key: 'decision.shadow', params: { ...what, wouldDo, ...(guarded ? { because: guarded } : {}) } }),
    };
  }
  if (picked === 'auto_refund') {
    const guarded: GuardMessage | null = flag.stateRebuilding
      ? { key: 'guard.state_rebuilding', params: {} }
      : guardWarnedAndConfirmed(flag, context.policy) ?? guardIntentGuess(flag, context.policy, delivered) ?? guardAgainstAuto(amount, flag.payment.currency, context);
    if (!guarded) {
      return { ...base, action: 'auto_refund', status: 'approved', shadowAction: null, decidedBy: 'policy:auto', ...reasonOf({ key: 'decision.auto_refund', params: what }) };
    }
    return {
      ...base, action: 'review', status: 'pending_review', shadowAction: null, decidedBy: 'policy:review',
      ...reasonOf({ key: 'decision.review', params: { ...what, because: guarded } }),
    };
  }
  return { ...base, action: 'review', status: 'pending_review', shadowAction: null, decidedBy: 'policy:review', ...reasonOf({ key: 'decision.review', params: what }) };
}
