import type { ConsumerConfig } from 'kafkajs';

/**
 * Bytes a fetch waits for before the broker answers it, when gathering: a few dozen events.
 * Under a backlog a fetch finds far more than this and is answered at once.
 */
const GATHER_BYTES = 16 * 1024;

/**
 * How a consumer's fetches gather events when traffic is light. With Kafka's defaults a fetch
 * is answered as soon as one event is there, so at a few hundred events a second every event
 * pays a whole pass on its own (a fetch, Redis or Postgres round trips, a produce, an offset
 * commit): the process spends its CPU on passes, not on events. Letting the broker hold a
 * fetch for up to `gatherMs` until some kilobytes have arrived makes a pass carry many events
 * for at most that much added latency; 0 keeps the defaults.
 */
export function fetchGathering(gatherMs: number): Pick<ConsumerConfig, 'minBytes' | 'maxWaitTimeInMs'> {
  return gatherMs > 0 ? { minBytes: GATHER_BYTES, maxWaitTimeInMs: gatherMs } : {};
}
