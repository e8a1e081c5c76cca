import { nextAttemptInMs, signingSecrets, type EndpointSecrets } from '@backstop/ledger';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import { startPollLoop, type PollLoop } from '@backstop/lifecycle';
import { deliverSigned, type DeliveryFailure } from '@backstop/signing';
import { signLinkToken } from '../payer/link-token';
import { tenantKeys } from '../signing/tenant-keys';
import { linkNotifications } from './link-notifications';
import type { FlagDecided, StoredFlagDecided } from './flag-decided';

export interface NotificationRelayOptions {
  pool: Pool;
  logger: Logger;
  /** The origin of the payer links in the events. */
  publicUrl: string;
  pollMs?: number;
  /** First retry delay; later ones double up to `retryCapMs`, with jitter. */
  retryBaseMs?: number;
  retryCapMs?: number;
  timeoutMs?: number;
  batchSize?: number;
  counted?: { delivered(): void; failed(): void; gaveUp(): void };
}

export type NotificationRelay = PollLoop;

const LINK_EXPIRED = 'gave up: the payer link expired before the platform took the event';

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = [];
  const no: T[] = [];
  for (const item of items) (test(item) ? yes : no).push(item);
  return [yes, no];
}

interface DueRow extends EndpointSecrets {
  decision_id: string;
  tenant_id: string;
  flag_id: string;
  link_id: string;
  expires_at: Date;
  payload: StoredFlagDecided;
  attempts: number;
  url: string;
}

/**
 * Delivers `flag.decided` events: each queued one gets its payer link and payload, then it is posted to the tenant's notification webhook, signed the Standard Webhooks way with
 * the message id `flagdecided_<decision id>` and the same body on every attempt, so the
 * platform can dedupe. A non-2xx answer or a timeout schedules the next attempt with backoff,
 * until the event's payer link expires: then it is given up. Rows are locked with SKIP
 * LOCKED, so consoles share the work.
 */
export function startNotificationRelay(options: NotificationRelayOptions): NotificationRelay {
  const { pool, logger, publicUrl, pollMs = 1_000, retryBaseMs = 1_000, retryCapMs = 3_600_000, timeoutMs = 10_000, batchSize = 20 } = options;

  const eventOf = async (row: DueRow): Promise<FlagDecided> => {
    const { linkSecret } = await tenantKeys(pool, row.tenant_id);
    const expiresAt = row.expires_at.getTime() / 1000;
    const token = signLinkToken({ tenantId: row.tenant_id, flagId: row.flag_id, linkId: row.link_id, expiresAt }, linkSecret);
    const payerLink = { url: new URL(`/p/${token}`, publicUrl).toString(), linkId: row.link_id, expiresAt: row.expires_at.toISOString() };
    return { ...row.payload, data: { ...row.payload.data, payerLink } };
  };

  const attempt = async (row: DueRow): Promise<DeliveryFailure | null> =>
    deliverSigned({ url: row.url, secrets: signingSecrets(row), messageId: `flagdecided_${row.decision_id}`, body: JSON.stringify(await eventOf(row)), timeoutMs });

  const deliver = () => inTransaction(pool, async (client) => {
    const due = await client.query<DueRow>(
      `SELECT n.decision_id, n.tenant_id, n.flag_id, n.link_id, l.expires_at, n.payload, n.attempts, w.url, w.secret, w.previous_secret, w.previous_secret_until > now() AS previous_signs
         FROM flag_notifications n
         JOIN notification_webhooks w ON w.tenant_id = n.tenant_id
         JOIN payer_links l ON l.link_id = n.link_id
        WHERE n.delivered_at IS NULL AND n.gave_up_at IS NULL AND n.link_id IS NOT NULL AND n.next_attempt_at <= now()
        ORDER BY n.next_attempt_at, n.decision_id LIMIT $1 FOR UPDATE OF n SKIP LOCKED`,
      [batchSize],
    );
    // A link that expired while the platform kept refusing the event would only show the payer
    // "link not valid": the event is given up instead of posted.
    const [expired, live] = partition(due.rows, (row) => row.expires_at.getTime() <= Date.now());
    for (const row of expired) {
      options.counted?.gaveUp();
      logger.warn({ tenantId: row.tenant_id, decisionId: row.decision_id, attempts: row.attempts }, 'flag.decided given up: its payer link expired before the platform took it');
      await client.query('UPDATE flag_notifications SET gave_up_at = now(), last_error = $2 WHERE decision_id = $1', [row.decision_id, LINK_EXPIRED]);
    }
    // Endpoints are tried side by side, so one slow endpoint holds the batch for one timeout at most.
    const failures = await Promise.all(live.map(attempt));
    for (const [index, row] of live.entries()) {
      const failure = failures[index] ?? null;
      if (failure === null) {
        options.counted?.delivered();
        await client.query('UPDATE flag_notifications SET attempts = attempts + 1, delivered_at = now(), last_error = NULL WHERE decision_id = $1', [row.decision_id]);
        continue;
      }
      options.counted?.failed();
      const delay = nextAttemptInMs(row.attempts + 1, failure, { baseMs: retryBaseMs, capMs: retryCapMs });
      logger.warn({ tenantId: row.tenant_id, decisionId: row.decision_id, attempts: row.attempts + 1, retryInMs: delay, failure: failure.reason }, 'flag.decided delivery failed');
      await client.query(
        `UPDATE flag_notifications SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + $3 * interval '1 millisecond' WHERE decision_id = $1`,
        [row.decision_id, failure.reason.slice(0, 500), delay],
      );
    }
    return due.rows.length;
  });

  const link = () => linkNotifications(pool, { now: new Date(), onGiveUp: () => options.counted?.gaveUp() });
  return startPollLoop(async () => (await link()) + (await deliver()), {
    pollMs, onError: (error) => logger.warn({ err: error }, 'notification relay pass failed; retrying'),
  });
}
