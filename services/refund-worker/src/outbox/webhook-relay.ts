import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import { deliverSigned, type DeliveryFailure } from '@backstop/signing';
import { startPollLoop } from '@backstop/lifecycle';
import { nextAttemptInMs, signingSecrets, type EndpointSecrets, transitionDecisions } from '@backstop/ledger';

export interface WebhookRelayOptions {
  pool: Pool;
  logger: Logger;
  pollMs?: number;
  /** First retry delay; later ones double up to `retryCapMs`. */
  retryBaseMs?: number;
  retryCapMs?: number;
  timeoutMs?: number;
  batchSize?: number;
}

export interface WebhookRelay {
  stats(): { delivered: number; failedAttempts: number };
  stop(): Promise<void>;
}

interface DueRow extends EndpointSecrets {
  outbox_id: string;
  tenant_id: string;
  decision_id: string;
  payload: unknown;
  attempts: number;
  url: string;
}

/**
 * Posts refund commands to the tenants' endpoints, signed like the platform's own webhooks
 * (Standard Webhooks; the message id is the decision id, the same on every attempt, so the
 * receiver can dedupe). A non-2xx answer or a timeout schedules the next attempt with
 * exponential backoff; rows are locked with SKIP LOCKED, so workers share the load.
 */
export function startWebhookRelay({ pool, logger, pollMs = 1_000, retryBaseMs = 1_000, retryCapMs = 3_600_000, timeoutMs = 10_000, batchSize = 20 }: WebhookRelayOptions): WebhookRelay {
  const totals = { delivered: 0, failedAttempts: 0 };

  const attempt = (row: DueRow): Promise<DeliveryFailure | null> =>
    deliverSigned({ url: row.url, secrets: signingSecrets(row), messageId: `refund_${row.decision_id}`, body: JSON.stringify(row.payload), timeoutMs });

  const pass = () => inTransaction(pool, async (client) => {
    const due = await client.query<DueRow>(
      `SELECT o.outbox_id, o.tenant_id, o.decision_id, o.payload, o.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_until > now() AS previous_signs
         FROM refund_outbox o JOIN refund_webhooks w USING (tenant_id)
        WHERE o.destination = 'webhook' AND o.published_at IS NULL AND o.next_attempt_at <= now()
        ORDER BY o.next_attempt_at, o.outbox_id LIMIT $1 FOR UPDATE OF o SKIP LOCKED`,
      [batchSize],
    );
    // Endpoints are tried side by side, so one slow endpoint holds the batch for one timeout at most.
    const failures = await Promise.all(due.rows.map(attempt));
    const delivered = due.rows.filter((_, index) => failures[index] === null);
    for (const [index, row] of due.rows.entries()) {
      const failure = failures[index];
      if (!failure) continue;
      totals.failedAttempts += 1;
      const delay = nextAttemptInMs(row.attempts + 1, failure, { baseMs: retryBaseMs, capMs: retryCapMs });
      logger.warn({ tenantId: row.tenant_id, decisionId: row.decision_id, attempts: row.attempts + 1, retryInMs: delay, failure: failure.reason }, 'refund webhook delivery failed');
      await client.query(
        `UPDATE refund_outbox SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond' WHERE outbox_id = $1`,
        [row.outbox_id, failure.reason.slice(0, 500), delay],
      );
    }
    if (delivered.length > 0) {
      const now = new Date();
      await client.query('UPDATE refund_outbox SET attempts = attempts + 1, published_at = $2, last_error = NULL WHERE outbox_id = ANY($1::bigint[])', [delivered.map((r) => r.outbox_id), now]);
      await transitionDecisions(client, delivered.map((row) => ({ tenantId: row.tenant_id, decisionId: row.decision_id, from: ['approved'], to: 'sent', actor: 'outbox:webhook' })), now);
      totals.delivered += delivered.length;
    }
    return due.rows.length;
  });

  const loop = startPollLoop(pass, { pollMs, onError: (error) => logger.warn({ err: error }, 'webhook relay pass failed; retrying') });

  return {
    stats: () => ({ ...totals }),
    stop: () => loop.stop(),
  };
}
