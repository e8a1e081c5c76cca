import { Counter, Registry } from 'prom-client';

export function createDetectorMetrics() {
  const registry = new Registry();
  return {
    registry,
    flags: new Counter({ name: 'backstop_detector_flags_total', help: 'Flags published, by rule', labelNames: ['type'], registers: [registry] }),
    redelivered: new Counter({ name: 'backstop_detector_redelivered_events_total', help: 'Events seen before, answered from their stored outcome', registers: [registry] }),
    late: new Counter({
      name: 'backstop_detector_late_events_total',
      help: "Events older than their payer's newest by more than the allowed lateness; still evaluated",
      registers: [registry],
    }),
    deadLetters: new Counter({ name: 'backstop_detector_dead_letters_total', help: 'Messages sent to the dead-letter topic', registers: [registry] }),
  };
}
export type DetectorMetrics = ReturnType<typeof createDetectorMetrics>;
