import type { PaymentSnapshot, RulesConfig } from '@backstop/contracts';
import type { RuleContext } from '../rules';
import { historyFor, moneyOf, msOf } from '../rules/rule';
import type { ReasonFinding } from './check-reason';

const allowlisted = (payment: PaymentSnapshot, settings: { allowlist: { payers: string[]; merchants: string[] } }) =>
  settings.allowlist.payers.includes(payment.payerId) || settings.allowlist.merchants.includes(payment.merchantId);

/**
 * recipient.unverified_new: money about to go to an account the payer never paid, whose owner
 * nobody vouches for (not identity-verified). After the charge the detector can only flag
 * such a payment when the account is one edit off a known one; before it, the user can simply
 * be asked. It watches the payments recipient.near_miss watches (its kinds, its shortest
 * account, its allowlists, and it is off when that rule is off): a gift card's account is the
 * user's choice, a transfer's is where the money goes.
 */
export function unverifiedNewRecipient({ payment, before }: RuleContext, config: RulesConfig): ReasonFinding[] {
  const settings = config['recipient.near_miss'];
  const account = payment.recipientAccount;
  if (!settings.enabled || allowlisted(payment, settings) || account === undefined) return [];
  if (payment.recipientVerified !== false || !settings.kinds.includes(payment.kind) || account.length < settings.minAccountLength) return [];
  if (before.recipients.has(account)) return [];
  return [
    {
      code: 'recipient.unverified_new',
      evidence: { recipientAccount: account, recipientVerified: false, knownRecipients: before.recipients.size },
      message: { key: 'check.recipient.unverified_new', params: { recipientAccount: account } },
    },
  ];
}

/**
 * product.unusual_category: a purchase in a category the payer never bought, at a merchant
 * where they have a habit in another category (as many purchases as product.misselected
 * counts a full habit), for about the price of their usual item (within that rule's amount
 * ratio). That is the misselected-product pattern before its correction: the detector can
 * only recognise it once the usual item is bought too; before the charge, the user can be
 * asked. A new payer has no habit and is never asked.
 */
export function unusualCategory(context: RuleContext, config: RulesConfig): ReasonFinding[] {
  const settings = config['product.misselected'];
  const { payment, before } = context;
  if (!settings.enabled || allowlisted(payment, settings)) return [];
  if (payment.kind !== 'purchase' || payment.category === undefined || before.categories.has(payment.category)) return [];
  const habits = new Map<string, PaymentSnapshot[]>();
  for (const p of historyFor(context)) {
    if (p.kind !== 'purchase' || p.category === undefined || p.merchantId !== payment.merchantId || msOf(p) > msOf(payment)) continue;
    habits.set(p.category, [...(habits.get(p.category) ?? []), p]);
  }
  const ratio = (a: number, b: number) => Math.max(a, b) / Math.min(a, b);
  const usual = [...habits]
    .filter(([, purchases]) => purchases.length >= settings.fullUsualPurchases)
    .filter(([, purchases]) => purchases.some((p) => ratio(p.amount, payment.amount) <= settings.similarAmountRatio))
    .sort((a, b) => b[1].length - a[1].length)[0];
  if (!usual) return [];
  const [usualCategory, purchases] = usual;
  const latest = purchases[purchases.length - 1]!;
  return [
    {
      code: 'product.unusual_category',
      evidence: {
        category: payment.category,
        usualCategory,
        usualPurchases: purchases.length,
        usualItem: latest.sku ?? null,
        usualAmount: moneyOf(latest.amount, latest),
        similarAmountRatio: settings.similarAmountRatio,
      },
      message: { key: 'check.product.unusual_category', params: { category: payment.category, usualCategory } },
    },
  ];
}
