import { z } from 'zod';
import { ExternalId } from './ids';
import { MoneyParam } from './messages';
import { PaymentData } from './payment-event';
import { CheckReasonCode } from './check-reason-code';

export { CheckReasonCode };

/**
 * A pre-payment check (`POST /v1/checks`): the payment a user is about to make, asked about
 * before the platform charges, so a likely mistake can be confirmed by the user first.
 */

/** The fields of `payment.succeeded` without a `paymentId` (none exists yet), and the platform's id for the attempt. */
export const CheckIntent = PaymentData.omit({ paymentId: true, intentId: true }).extend({
  /** The platform's id for this payment attempt; send it again as `intentId` on the payment's webhook. */
  intentId: ExternalId,
});
export type CheckIntent = z.infer<typeof CheckIntent>;


const Text = z.string().max(512);
const Account = z.string().max(512);
const Seconds = z.number().nonnegative();
const message = <K extends string, P extends z.ZodRawShape>(key: K, params: P) =>
  z.strictObject({ key: z.literal(key), params: z.strictObject(params) });

/** What the confirmation dialog says, as a key and parameters rendered by `@backstop/messages`. */
export const CheckMessage = z.discriminatedUnion('key', [
  message('check.duplicate.recent_same_order', { paid: MoneyParam, secondsAgo: Seconds }),
  message('check.duplicate.recent_same_purchase', { item: Text, amount: MoneyParam, secondsAgo: Seconds }),
  message('check.amount.digit_slip', { amount: MoneyParam, usual: MoneyParam, factor: z.number().positive() }),
  message('check.amount.unusual', { amount: MoneyParam, usual: MoneyParam }),
  message('check.recipient.near_known', { recipientAccount: Account, knownAccount: Account }),
  message('check.recipient.unverified_new', { recipientAccount: Account }),
  message('check.product.unusual_category', { category: Text, usualCategory: Text }),
]);
export type CheckMessage = z.infer<typeof CheckMessage>;
export const checkMessageKeys = CheckMessage.options.map((option) => option.shape.key.value);

export const CheckReason = z.object({
  code: CheckReasonCode,
  /** What triggered it: the earlier payment, the known account, the usual price. */
  evidence: z.record(z.string(), z.unknown()),
  /** Ready for the confirmation dialog, money formatted by the currency's minor units. */
  message: z.object({ en: z.string(), zh: z.string() }),
});
export type CheckReason = z.infer<typeof CheckReason>;

export const CheckVerdict = z.enum(['allow', 'confirm']);
export type CheckVerdict = z.infer<typeof CheckVerdict>;

/** The answer, always 200: a check never blocks a payment. */
export const CheckAnswer = z.object({
  intentId: z.string(),
  verdict: CheckVerdict,
  reasons: z.array(CheckReason),
  /** The answer could not be computed within the deadline (Redis slow or away): `allow`, with no reasons. */
  degraded: z.boolean(),
});
export type CheckAnswer = z.infer<typeof CheckAnswer>;
