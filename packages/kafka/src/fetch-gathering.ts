import type { ConsumerConfig } from 'kafkajs';

/**
 * Bytes a fetch waits for before the broker answers it, when gathering: a few dozen events.
 * Under a backlog a fetch finds far more than this and is answered at once.
 */
const GATHER_BYTES = 16 * 1024;

/**
 * The longest a fetch waits for its first byte when not gathering (Kafka's default is 5 s). A
 * rebalance waits for each member's fetches in flight, so this bounds how long a dead
 * member's partitions stay unread after its session ended; a consumer with nothing to read
 * asks again once a second instead of once every five.
 */
export const IDLE_FETCH_WAIT_MS = 1_000;

/**
 * How a consumer's fetches gather events when traffic is light. With Kafka's defaults a fetch
 * is answered as soon as one event is there, so at a few hundred events a second every event
 * pays a whole pass on its own (a fetch, Redis or Postgres round trips, a produce, an offset
 * commit): the process spends its CPU on passes, not on events. Letting the broker hold a
 * fetch for up to `gatherMs` until some kilobytes have arrived makes a pass carry many events
 * for at most that much added latency; 0 answers a fetch as soon as one event is there.
 */
export function fetchGathering(gatherMs: number): Pick<ConsumerConfig, 'minBytes' | 'maxWaitTimeInMs'> {
  return gatherMs > 0 ? { minBytes: GATHER_BYTES, maxWaitTimeInMs: gatherMs } : { minBytes: 1, maxWaitTimeInMs: IDLE_FETCH_WAIT_MS };
}
