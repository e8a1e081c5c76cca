/**
 * The metrics alerting depends on, by name. Services register them under these names and
 * infra/alerts/backstop.rules.yml refers to them; a test keeps the two in step.
 */
export const alertedMetrics = {
  consumerLag: 'backstop_consumer_lag_messages',
  consumerRunning: 'backstop_consumer_running',
  deadLetters: 'backstop_dead_letters_total',
  detectionLatency: 'backstop_detection_latency_seconds',
  refundsPastSla: 'backstop_refunds_unconfirmed_past_sla',
  stateRebuilding: 'backstop_detector_state_rebuilding',
} as const;
