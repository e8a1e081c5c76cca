import { Counter, Gauge, Histogram } from 'prom-client';
import { createRegistry } from '@backstop/metrics';

export function createConsoleMetrics() {
  const registry = createRegistry('console');
  return {
    registry,
    rejected: new Counter({ name: 'backstop_console_rejected_total', help: 'Requests answered with a problem, by reason', labelNames: ['reason'], registers: [registry] }),
    latency: new Histogram({
      name: 'backstop_console_request_duration_seconds',
      help: 'Console API request latency (a live feed counts until it closes)',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    }),
    notifications: new Counter({ name: 'backstop_console_notifications_total', help: 'flag.decided delivery attempts (delivered, failed) and events given up (gave_up), by outcome', labelNames: ['outcome'], registers: [registry] }),
    liveFeeds: new Gauge({ name: 'backstop_console_live_feeds', help: 'Live flag feeds (SSE) open now', registers: [registry] }),
  };
}
export type ConsoleMetrics = ReturnType<typeof createConsoleMetrics>;
