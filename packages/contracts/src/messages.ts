import { z } from 'zod';
import { CurrencyCode, MinorUnits } from './money';
import { FlagType } from './flag-type';
import { Timestamp } from './ids';

/**
 * What Backstop tells people travels as a stable key and its parameters, never as a finished
 * sentence: the console, the exports and the payer's page render it in the reader's language
 * (`@backstop/messages`), with money formatted by the currency's minor units there.
 */

/** An amount for people to read: minor units and the currency that gives them their exponent. */
export const MoneyParam = z.strictObject({ amount: MinorUnits, currency: CurrencyCode });
export type MoneyParam = z.infer<typeof MoneyParam>;

const Text = z.string().max(512);
const Count = z.int().nonnegative();
const Seconds = z.number().nonnegative();
/**
 * Account numbers stay whole in the message, like the evidence that carries them; every
 * reader without the right to see them gets them masked (the console by role, logs always).
 * Their parameter names say "account" so masking by field name finds them.
 */
const Account = z.string().max(512);

export const DigitSlipBasis = z.enum(['unitPrice×quantity', 'payer.sku', 'payer.category', 'sku']);
export const AccountEdit = z.enum(['substituted', 'missing', 'extra', 'swapped', 'case']);

const message = <K extends string, P extends z.ZodRawShape>(key: K, params: P) =>
  z.strictObject({ key: z.literal(key), params: z.strictObject(params) });

export const FlagMessage = z.discriminatedUnion('key', [
  message('duplicate.exact', { orderId: Text, payments: Count, paidTotal: MoneyParam, orderAmount: MoneyParam }),
  message('duplicate.suspected', { item: Text, amount: MoneyParam, recipientAccount: Account.optional(), gapSeconds: Seconds }),
  message('amount.digit_slip', { paidPerUnit: MoneyParam, factor: z.number().positive(), usual: MoneyParam, basis: DigitSlipBasis }),
  message('amount.outlier.payer', { amount: MoneyParam, usual: MoneyParam, robustZ: z.number(), payments: Count }),
  message('amount.outlier.sku', { unitPrice: MoneyParam, usual: MoneyParam, robustZ: z.number(), payments: Count }),
  message('recipient.near_miss', { recipientAccount: Account, meantAccount: Account, edit: AccountEdit, meantLastPaidAt: Timestamp }),
  message('product.misselected', {
    mistakenItem: Text.optional(), mistakenCategory: Text, mistakenAmount: MoneyParam,
    intendedItem: Text.optional(), usualCategory: Text, intendedAmount: MoneyParam,
    /** Purchases in the usual category before the mistake: the habit the correction returns to. */
    usualPurchases: Count,
    gapSeconds: Seconds,
  }),
  message('velocity.burst', { payments: Count, spanSeconds: Seconds, maxPayments: Count, windowSeconds: Seconds }),
]);
export type FlagMessage = z.infer<typeof FlagMessage>;
export type FlagMessageKey = FlagMessage['key'];
export const flagMessageKeys = FlagMessage.options.map((option) => option.shape.key.value);

/** Why an automatic refund went to a person instead. */
export const GuardMessage = z.discriminatedUnion('key', [
  message('guard.kill_switch', {}),
  message('guard.single_limit', { amount: MoneyParam, limit: MoneyParam }),
  message('guard.daily_budget', { budget: MoneyParam, used: MoneyParam }),
  message('guard.state_rebuilding', {}),
  message('guard.intent_not_certain', { severity: z.enum(['low', 'medium', 'high']), confidence: z.number().min(0).max(1) }),
  message('guard.delivered_not_revocable', {}),
  message('guard.warned_and_confirmed', {}),
]);
export type GuardMessage = z.infer<typeof GuardMessage>;

const decided = { flagType: FlagType, paymentId: Text, orderId: Text };

/** Why the refund policy decided what it did (`refund_decisions.reason_message`). */
export const DecisionMessage = z.discriminatedUnion('key', [
  message('decision.auto_refund', decided),
  message('decision.review', { ...decided, because: GuardMessage.optional() }),
  message('decision.shadow', { ...decided, wouldDo: z.enum(['auto_refund', 'review', 'notify']), because: GuardMessage.optional() }),
]);
export type DecisionMessage = z.infer<typeof DecisionMessage>;
