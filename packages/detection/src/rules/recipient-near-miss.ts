import type { PaymentSnapshot, RulesConfig, Severity } from '@backstop/contracts';
import { singleEdit, type SingleEdit } from '../stats/edit-distance';
import { defineRule, msOf, thresholdsOf, type Finding } from './rule';

type Settings = RulesConfig['recipient.near_miss'];

/**
 * When the payer last paid `account` before `beforeMs` in event time, as far as their state
 * tells, or undefined if they had not: the recipients set keeps only each account's last use,
 * so an earlier use followed by a later one shows only in the payment history.
 */
function lastUseBefore(account: string, recipients: ReadonlyMap<string, number>, history: PaymentSnapshot[], beforeMs: number): number | undefined {
  const lastUsedMs = recipients.get(account);
  if (lastUsedMs === undefined || lastUsedMs < beforeMs) return lastUsedMs;
  const earlier = history.filter((p) => p.recipientAccount === account && msOf(p) < beforeMs).map(msOf);
  return earlier.length > 0 ? Math.max(...earlier) : undefined;
}

/**
 * Whether two spellings name the same mailbox: an e-mail address differing only in letter
 * case reaches the same person at every provider, however RFC 5321 leaves the local part.
 */
const sameMailbox = (typed: string, account: string, edit: SingleEdit) => edit === 'case' && /^[^@\s]+@[^@\s]+$/.test(typed);

/** The edit between two accounts that could be a slip: none for two spellings of one mailbox. */
function slipBetween(typed: string, account: string): SingleEdit | undefined {
  const edit = singleEdit(typed, account);
  return edit && !sameMailbox(typed, account, edit) ? edit : undefined;
}

const watched = (payment: PaymentSnapshot, settings: Settings): payment is PaymentSnapshot & { recipientAccount: string } =>
  payment.recipientAccount !== undefined && payment.recipientAccount.length >= settings.minAccountLength && settings.kinds.includes(payment.kind);

function finding(mistake: PaymentSnapshot & { recipientAccount: string }, meant: { account: string; edit: SingleEdit; usedMs: number }, knownRecipients: number, settings: Settings): Finding {
  const typed = mistake.recipientAccount;
  const severity: Severity = mistake.recipientVerified === false ? 'high' : 'medium';
  return {
    type: 'recipient.near_miss',
    severity,
    confidence: mistake.recipientVerified === false ? 0.9 : 0.75,
    flagged: mistake,
    // The mistaken payment alone makes the flag id: whether its evidence came before or after
    // it, the same mistake always gets the same flag.
    involved: [mistake],
    informationFlow: {
      message: {
        key: 'recipient.near_miss',
        params: { recipientAccount: typed, meantAccount: meant.account, edit: meant.edit, meantLastPaidAt: new Date(meant.usedMs).toISOString() },
      },
      thresholds: thresholdsOf(settings),
      observed: {
        recipient: typed,
        recipientVerified: mistake.recipientVerified ?? null,
        probablyMeant: meant.account,
        edit: meant.edit,
        probablyMeantLastUsedAt: new Date(meant.usedMs).toISOString(),
        knownRecipients,
      },
    },
  };
}

/**
 * recipient.near_miss: money sent to an account this payer never used that is one edit away
 * from one they did use (a digit substituted, missing or extra, two neighbours swapped, or
 * letter case confused, except in an e-mail address). The most recently used such account is the one they meant. An
 * account that is not identity-verified raises the severity: nobody vouches for its owner.
 *
 * "Before" is event time, not arrival: when the payment to the account they meant arrives
 * after the mistaken one, the mistake is judged then, and the account they meant is never
 * taken for a slip of the mistaken one.
 */
export const recipientNearMiss = defineRule('recipient.near_miss', (context, settings) => {
  const { payment, before } = context;
  // Already the payer's payments in this currency, oldest first; only times and accounts are read.
  const history = before.payments;
  const paidMs = msOf(payment);
  const typed = payment.recipientAccount;
  if (typed === undefined) return [];
  const findings: Finding[] = [];

  // An account whose only known uses came later in event time is still new at this payment.
  if (lastUseBefore(typed, before.recipients, history, paidMs) === undefined && watched(payment, settings)) {
    let meant: { account: string; edit: SingleEdit; usedMs: number } | undefined;
    for (const account of before.recipients.keys()) {
      const edit = slipBetween(typed, account);
      const usedMs = edit && lastUseBefore(account, before.recipients, history, paidMs);
      if (edit && usedMs !== undefined && (!meant || usedMs > meant.usedMs)) meant = { account, edit, usedMs };
    }
    if (meant) findings.push(finding(payment, meant, before.recipients.size, settings));
  }

  // Late evidence: this payment shows `typed` was in use earlier than a later first payment to
  // an account one edit away, which nothing could flag when it arrived. History is oldest
  // first, so an account's first payment in it is its first use.
  const newest = history.at(-1);
  if (newest === undefined || msOf(newest) <= paidMs) return findings; // in order: nothing later to judge
  const accountsSeen = new Set<string>();
  for (const later of history) {
    const account = later.recipientAccount;
    if (account === undefined || accountsSeen.has(account)) continue;
    accountsSeen.add(account);
    if (msOf(later) <= paidMs || !watched(later, settings)) continue;
    const edit = slipBetween(account, typed);
    if (edit && lastUseBefore(typed, before.recipients, history, msOf(later)) === undefined) {
      findings.push(finding(later, { account: typed, edit, usedMs: paidMs }, before.recipients.size + (before.recipients.has(typed) ? 0 : 1), settings));
    }
  }
  return findings;
});
