import { Gauge, type Registry } from 'prom-client';
import { alertedMetrics } from './names';

/** What the gauge reads: each consumer a service runs, and whether it still does. */
export interface ConsumerStates {
  states(): { name: string; running: boolean }[];
}

/**
 * 1 per consumer while it consumes (restarts after passing errors included), 0 once it has
 * stopped for good. Alerted on: such a consumer reads nothing until the service is restarted.
 */
export function registerConsumerRunning(registry: Registry, consumers: ConsumerStates): Gauge {
  return new Gauge({
    name: alertedMetrics.consumerRunning,
    help: '1 while the consumer consumes, 0 once it stopped on an error it cannot retry',
    labelNames: ['consumer'],
    registers: [registry],
    collect() {
      for (const state of consumers.states()) this.set({ consumer: state.name }, state.running ? 1 : 0);
    },
  });
}
