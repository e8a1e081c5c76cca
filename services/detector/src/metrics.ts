import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { alertedMetrics } from '@backstop/metrics';

export function createDetectorMetrics(registry = new Registry()) {
  return {
    registry,
    /** Alerted on: any growth means messages someone must look at. */
    deadLettersAlerted: new Counter({ name: alertedMetrics.deadLetters, help: 'Messages sent to the dead-letter topic', registers: [registry] }),
    /** From ingest accepting the event to its flag acknowledged by Kafka; alerted on at p99 > 1 s. */
    detectionLatency: new Histogram({
      name: alertedMetrics.detectionLatency,
      help: 'Seconds from an event accepted by ingest to its flag published',
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    }),
    flags: new Counter({ name: 'backstop_detector_flags_total', help: 'Flags published, by rule', labelNames: ['type'], registers: [registry] }),
    judged: new Counter({
      name: 'backstop_detector_payments_judged_total',
      help: "Payments judged, by where their payer's state came from: copy (the detector's own, current), read (from Redis), stale_copy (a copy found out of date, then read)",
      labelNames: ['state'],
      registers: [registry],
    }),
    redelivered: new Counter({ name: 'backstop_detector_redelivered_events_total', help: 'Events seen before, answered from their stored outcome', registers: [registry] }),
    late: new Counter({
      name: 'backstop_detector_late_events_total',
      help: "Events older than their payer's newest by more than the allowed lateness; still evaluated",
      registers: [registry],
    }),
    deadLetters: new Counter({ name: 'backstop_detector_dead_letters_total', help: 'Messages sent to the dead-letter topic', registers: [registry] }),
    stateRebuilding: new Gauge({
      name: alertedMetrics.stateRebuilding,
      help: "1 while Redis's payer state is being rebuilt after a loss and flags are marked stateRebuilding (never refunded automatically)",
      registers: [registry],
    }),
    replayRunning: new Gauge({ name: 'backstop_detector_state_replay_running', help: '1 while this instance replays the events topic into the payer state', registers: [registry] }),
    replayedEvents: new Counter({
      name: 'backstop_detector_state_replayed_events_total',
      help: 'Messages replayed from the events topic: restored (a payment the state lacked), known (one it had), skipped (no payment)',
      labelNames: ['result'],
      registers: [registry],
    }),
    rebuilds: new Counter({
      name: 'backstop_detector_state_rebuilds_total',
      help: 'Rebuilds of the payer state this instance ran, by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
export type DetectorMetrics = ReturnType<typeof createDetectorMetrics>;
