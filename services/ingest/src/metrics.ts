import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createIngestMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    accepted: new Counter({ name: 'backstop_ingest_events_accepted_total', help: 'Events accepted and acknowledged by Kafka', labelNames: ['type'], registers: [registry] }),
    rejected: new Counter({ name: 'backstop_ingest_rejected_total', help: 'Requests or events rejected, by reason', labelNames: ['reason'], registers: [registry] }),
    duplicates: new Counter({ name: 'backstop_ingest_duplicate_deliveries_total', help: 'Retried deliveries of an already accepted event', registers: [registry] }),
    checks: new Counter({ name: 'backstop_ingest_checks_total', help: 'Pre-payment checks answered, by verdict and whether they were degraded', labelNames: ['verdict', 'degraded'], registers: [registry] }),
    checksShed: new Counter({ name: 'backstop_ingest_checks_shed_total', help: 'Pre-payment checks answered allow, degraded, without being computed: too many were in flight', registers: [registry] }),
    checkReasons: new Counter({ name: 'backstop_ingest_check_reasons_total', help: 'Reasons given in pre-payment checks asking for confirmation, by code', labelNames: ['code'], registers: [registry] }),
    latency: new Histogram({
      name: 'backstop_ingest_request_duration_seconds',
      help: 'Webhook request latency',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
}
export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
