import { renderPayerSummary } from '@backstop/messages';
import type { Pool } from '@backstop/postgres';
import { loadPayerView } from '../payer/payer-case';
import { issuePayerLink } from '../payer/payer-links';
import type { StoredFlagDecided } from './flag-decided';

interface NewDecision {
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
}

/**
 * Gives each new decision of a tenant that configured a notification webhook its payer link
 * and a `flag.decided` event to deliver. Decisions made before the webhook was configured are
 * left alone, so configuring it does not flood the platform with history. Two consoles doing
 * this at once may each issue a link, but only one event per decision is kept.
 */
export async function enqueueNotifications(pool: Pool, { now, linkHours = 168, batchSize = 50 }: { now: Date; linkHours?: number; batchSize?: number }): Promise<number> {
  const fresh = await pool.query<NewDecision>(
    `SELECT d.decision_id, d.tenant_id, d.flag_id, d.flag_type, d.payment_id, f.payment->>'orderId' AS order_id, f.payer_id,
            d.action, d.status, d.amount, d.currency, d.created_at
       FROM notification_webhooks w
       JOIN refund_decisions d ON d.tenant_id = w.tenant_id AND d.created_at >= w.created_at
       JOIN flags f ON f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id
       LEFT JOIN flag_notifications n ON n.decision_id = d.decision_id
      WHERE n.decision_id IS NULL AND d.status <> 'shadowed'
      ORDER BY d.created_at
      LIMIT $1`,
    [batchSize],
  );
  let enqueued = 0;
  for (const decision of fresh.rows) {
    const view = await loadPayerView(pool, decision.tenant_id, decision.flag_id);
    if (!view) continue;
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
    const inserted = await pool.query(
      `INSERT INTO flag_notifications (decision_id, tenant_id, flag_id, link_id, payload, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (decision_id) DO NOTHING`,
      [decision.decision_id, decision.tenant_id, decision.flag_id, link.linkId, JSON.stringify(payload), now],
    );
    enqueued += inserted.rowCount ?? 0;
  }
  return enqueued;
}
