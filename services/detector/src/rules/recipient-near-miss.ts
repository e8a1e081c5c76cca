import type { Severity } from '@backstop/contracts';
import { singleEdit } from '../stats/edit-distance';
import { defineRule, thresholdsOf } from './rule';

/**
 * recipient.near_miss: money sent to an account this payer never used that is one edit away
 * from one they did use (a digit substituted, missing or extra, two neighbours swapped, or
 * letter case confused). The most recently used such account is the one they meant. An
 * account that is not identity-verified raises the severity: nobody vouches for its owner.
 */
export const recipientNearMiss = defineRule('recipient.near_miss', ({ payment, before }, settings) => {
  const typed = payment.recipientAccount;
  if (typed === undefined || typed.length < settings.minAccountLength || !settings.kinds.includes(payment.kind)) return [];
  if (before.recipients.has(typed)) return [];

  let intended: { account: string; edit: NonNullable<ReturnType<typeof singleEdit>>; lastUsedMs: number } | undefined;
  for (const [account, lastUsedMs] of before.recipients) {
    const edit = singleEdit(typed, account);
    if (edit && (!intended || lastUsedMs > intended.lastUsedMs)) intended = { account, edit, lastUsedMs };
  }
  if (!intended) return [];
  const severity: Severity = payment.recipientVerified === false ? 'high' : 'medium';
  return [
    {
      type: 'recipient.near_miss',
      severity,
      confidence: payment.recipientVerified === false ? 0.9 : 0.75,
      flagged: payment,
      involved: [payment],
      informationFlow: {
        summary: `Paid to ${typed}, never used before, one edit (${intended.edit}) from ${intended.account}, last paid ${new Date(intended.lastUsedMs).toISOString()}.`,
        thresholds: thresholdsOf(settings),
        observed: {
          recipient: typed,
          recipientVerified: payment.recipientVerified ?? null,
          probablyMeant: intended.account,
          edit: intended.edit,
          probablyMeantLastUsedAt: new Date(intended.lastUsedMs).toISOString(),
          knownRecipients: before.recipients.size,
        },
      },
    },
  ];
});
