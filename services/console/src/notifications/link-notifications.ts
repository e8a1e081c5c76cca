import { retryDelayMs } from '@backstop/ledger';
import { renderPayerSummary } from '@backstop/messages';
import type { Pool } from '@backstop/postgres';
import { loadPayerView } from '../payer/payer-case';
import { issuePayerLink } from '../payer/payer-links';
import type { StoredFlagDecided } from './flag-decided';

interface Unlinked {
  decision_id: string;
  tenant_id: string;
  flag_id: string;
  flag_type: string;
  payment_id: string;
  order_id: string;
  payer_id: string;
  action: string;
  status: string;
  amount: number;
  currency: string;
  created_at: Date;
  attempts: number;
}

/**
 * Why an event waits unlinked: its decision is not one the payer's page can show. The trigger
 * queues no such event; should one appear, it waits like any event that failed to link.
 */
const NOTHING_TO_FOLLOW = 'no decision the payer can follow on this flag yet';
/** The first wait before such an event is tried again; later ones double, up to an hour. */
const UNLINKED_RETRY_BASE_MS = 60_000;
const HOUR_MS = 3_600_000;

/**
 * Gives each `flag.decided` event the decision's transaction queued (see the migration's
 * trigger) its payer link and payload, ready to deliver. Two consoles doing this at once may
 * each issue a link; only the first one written is sent, the other is never used. An event
 * that cannot be linked (its payer has nothing to follow, or anything throws) is tried again
 * later, with backoff, and says why: it must not hold back the events queued behind it; after
 * as long as a link lives (`linkHours`), it is given up.
 */
export async function linkNotifications(
  pool: Pool,
  { now, linkHours = 168, batchSize = 50, onGiveUp }: { now: Date; linkHours?: number; batchSize?: number; onGiveUp?: () => void },
): Promise<number> {
  const unlinked = await pool.query<Unlinked>(
    `SELECT n.decision_id, n.tenant_id, n.flag_id, d.flag_type, d.payment_id, f.payment->>'orderId' AS order_id, f.payer_id,
            d.action, d.status, d.amount, d.currency, d.created_at, n.attempts
       FROM flag_notifications n
       JOIN refund_decisions d ON d.decision_id = n.decision_id
       JOIN flags f ON f.tenant_id = n.tenant_id AND f.flag_id = n.flag_id
      WHERE n.link_id IS NULL AND n.gave_up_at IS NULL AND n.next_attempt_at <= $2
      ORDER BY n.next_attempt_at, n.created_at
      LIMIT $1`,
    [batchSize, now],
  );
  let linked = 0;
  for (const decision of unlinked.rows) {
    try {
      linked += await linkOne(pool, decision, now, linkHours);
    } catch (error) {
      // Whatever kept this event from its link, those queued behind it go on. One that has
      // waited as long as a link would live is given up: it would reach the platform stale.
      const reason = (error as Error).message.slice(0, 400);
      if (now.getTime() - decision.created_at.getTime() >= linkHours * HOUR_MS) {
        await pool.query(
          'UPDATE flag_notifications SET attempts = attempts + 1, last_error = $2, gave_up_at = $3 WHERE decision_id = $1 AND link_id IS NULL',
          [decision.decision_id, `gave up: not linked within ${linkHours} h (${reason})`, now],
        );
        onGiveUp?.();
        continue;
      }
      const retryAt = new Date(now.getTime() + retryDelayMs(decision.attempts + 1, { baseMs: UNLINKED_RETRY_BASE_MS }));
      await pool.query(
        'UPDATE flag_notifications SET attempts = attempts + 1, last_error = $2, next_attempt_at = $3 WHERE decision_id = $1 AND link_id IS NULL',
        [decision.decision_id, reason, retryAt],
      );
    }
  }
  return linked;
}

/** Issues the event's payer link and writes its payload: 1 when this console's link is the one kept. */
async function linkOne(pool: Pool, decision: Unlinked, now: Date, linkHours: number): Promise<number> {
  const view = await loadPayerView(pool, decision.tenant_id, decision.flag_id);
  if (!view) throw new Error(NOTHING_TO_FOLLOW);
  const link = await issuePayerLink(pool, decision.tenant_id, decision.flag_id, 'notification', linkHours, now);
  const payload: StoredFlagDecided = {
    type: 'flag.decided',
    timestamp: decision.created_at.toISOString(),
    data: {
      flagId: decision.flag_id, decisionId: decision.decision_id, flagType: decision.flag_type, paymentId: decision.payment_id,
      orderId: decision.order_id, payerId: decision.payer_id, action: decision.action, status: decision.status,
      amount: decision.amount, currency: decision.currency,
      payerMessage: {
        en: renderPayerSummary(view.summary, { lang: 'en', timeZone: view.timeZone }).happened,
        zh: renderPayerSummary(view.summary, { lang: 'zh', timeZone: view.timeZone }).happened,
      },
    },
  };
  const updated = await pool.query(
    'UPDATE flag_notifications SET link_id = $2, payload = $3, next_attempt_at = $4, last_error = NULL WHERE decision_id = $1 AND link_id IS NULL',
    [decision.decision_id, link.linkId, JSON.stringify(payload), now],
  );
  return updated.rowCount ?? 0;
}
