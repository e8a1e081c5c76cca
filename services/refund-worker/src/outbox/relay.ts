import { transitionDecisions } from '@backstop/ledger';
import { ACKS_ALL } from '@backstop/kafka';
import { faultPoint } from '@backstop/lifecycle';
import type { Logger } from '@backstop/logging';
import { inTransaction, type Pool } from '@backstop/postgres';
import type { Producer } from 'kafkajs';

export interface OutboxRelay {
  /** Asks for a pass now, e.g. after a batch approved refunds. */
  wake(): void;
  /** Counters since start, for logs and tests. */
  stats(): { published: number; failedPasses: number };
  stop(): Promise<void>;
}

export interface RelayOptions {
  pool: Pool;
  producer: Producer;
  topic: string;
  logger: Logger;
  /** How often to look even when nobody woke the relay (commands approved by the console). */
  pollMs?: number;
  batchSize?: number;
}

interface OutboxRow {
  outbox_id: string;
  tenant_id: string;
  decision_id: string;
  message_key: string;
  /** The command as stored, sent as it is. */
  payload: string;
}

/**
 * Publishes outbox rows to Kafka and marks their decisions sent, in one transaction per
 * pass that holds the rows' locks (SKIP LOCKED lets several workers share the outbox). The
 * send happens before the commit, so a crash in between publishes a command twice, never
 * zero times; the command's idempotency key lets the platform drop the second copy. While
 * Kafka is down, passes fail and back off, and the rows simply wait.
 */
export function startOutboxRelay({ pool, producer, topic, logger, pollMs = 1_000, batchSize = 500 }: RelayOptions): OutboxRelay {
  let running = true;
  let wakeUp: () => void = () => undefined;
  let failures = 0;
  const totals = { published: 0, failedPasses: 0 };

  const pass = () => inTransaction(pool, async (client) => {
    const rows = await client.query<OutboxRow>(
      `SELECT outbox_id, tenant_id, decision_id, message_key, payload::text AS payload FROM refund_outbox
        WHERE destination = 'kafka' AND published_at IS NULL AND next_attempt_at <= now()
        ORDER BY outbox_id LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.rows.length === 0) return 0;
    await producer.send({
      topic,
      acks: ACKS_ALL,
      messages: rows.rows.map((row) => ({ key: row.message_key, value: row.payload, headers: { 'decision-id': row.decision_id } })),
    });
    faultPoint('refund-worker.after-command-sent');
    const now = new Date();
    await client.query('UPDATE refund_outbox SET published_at = $2, attempts = attempts + 1 WHERE outbox_id = ANY($1::bigint[])', [rows.rows.map((r) => r.outbox_id), now]);
    await transitionDecisions(client, rows.rows.map((row) => ({ tenantId: row.tenant_id, decisionId: row.decision_id, from: ['approved'], to: 'sent', actor: 'outbox:kafka' })), now);
    return rows.rows.length;
  });

  const loop = async () => {
    while (running) {
      let published = 0;
      try {
        published = await pass();
        if (failures > 0) logger.info({ failures }, 'outbox relay recovered');
        failures = 0;
        totals.published += published;
        if (published > 0) logger.info({ published }, 'refund commands published');
      } catch (error) {
        failures += 1;
        totals.failedPasses += 1;
        logger.warn({ err: error, failures }, 'outbox relay pass failed; retrying');
      }
      if (published > 0 && failures === 0) continue;
      const delay = failures > 0 ? Math.min(pollMs * 2 ** Math.min(failures, 5), 30_000) : pollMs;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeUp = () => { clearTimeout(timer); resolve(); };
      });
      wakeUp = () => undefined;
    }
  };
  const done = loop();

  return {
    wake: () => { if (failures === 0) wakeUp(); },
    stats: () => ({ ...totals }),
    async stop() {
      running = false;
      wakeUp();
      await done;
    },
  };
}
