import { alertedMetrics } from '@backstop/metrics';
import type { Pool } from '@backstop/postgres';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The refund worker's alerted metrics; consumer lag is registered beside them. */
export function createRefundWorkerMetrics(registry: Registry, pool: Pool, confirmationSlaSeconds: number) {
  return {
    deadLetters: new Counter({ name: alertedMetrics.deadLetters, help: 'Messages sent to the dead-letter topic', registers: [registry] }),
    /** Grows only when a batch is redone: after a crash between database and offset commit, or upstream in the detector. */
    redeliveredFlags: new Counter({
      name: 'backstop_refund_worker_redelivered_flags_total',
      help: 'Flag messages already recorded (same flag, same flaggedAt) when they arrived',
      registers: [registry],
    }),
    refundsPastSla: new Gauge({
      name: alertedMetrics.refundsPastSla,
      help: 'Refunds sent to the platform and still unconfirmed after the confirmation SLA, by tenant',
      labelNames: ['tenant'],
      registers: [registry],
      async collect() {
        try {
          const { rows } = await pool.query<{ tenant_id: string; overdue: number }>(
            `SELECT tenant_id, count(*)::int AS overdue FROM refund_decisions
              WHERE status = 'sent' AND sent_at < now() - make_interval(secs => $1) GROUP BY tenant_id`,
            [confirmationSlaSeconds],
          );
          this.reset();
          for (const row of rows) this.set({ tenant: row.tenant_id }, row.overdue);
        } catch {
          // Postgres is unreachable: keep the last values rather than fail the scrape.
        }
      },
    }),
  };
}
export type RefundWorkerMetrics = ReturnType<typeof createRefundWorkerMetrics>;
