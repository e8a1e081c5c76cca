import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/wait';
import { mendIdleRequestQueue, type RequestQueueInternals } from './request-queue-idle';

interface Queue extends RequestQueueInternals {
  push(request: { entry: { correlationId: number; apiName: string }; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
  destroy(): void;
}

const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A real KafkaJS request queue with no socket behind it: sending a request records its id. */
function queueOf(maxInFlightRequests: number | null = null) {
  const queue = new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'test:9092', logger: silent });
  const sent: number[] = [];
  const push = (correlationId: number) =>
    new Promise<void>((resolve) => {
      const entry = { correlationId, apiName: 'Produce', resolve: () => resolve(), reject: () => undefined };
      queue.push({ entry, expectResponse: true, sendRequest: () => sent.push(correlationId) });
    });
  return { queue, sent, push };
}

describe('mendIdleRequestQueue', () => {
  it('mends the KafkaJS the project pins', () => {
    expect(mendIdleRequestQueue()).toBe(true);
  });

  it('leaves no check scheduled once the last request is answered and none waits', async () => {
    mendIdleRequestQueue();
    const { queue, sent, push } = queueOf();
    const answered = push(1);
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    await answered;
    // Unmended, KafkaJS re-arms this timer every millisecond from here on.
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.destroy();
  });

  it('still sends a request the broker throttled once the throttle ends', async () => {
    mendIdleRequestQueue();
    const { queue, sent, push } = queueOf();
    queue.throttledUntil = Date.now() + 50;
    void push(7);
    expect(sent).toEqual([]);
    await eventually(async () => (sent.length > 0 ? true : undefined), { intervalMs: 5, what: 'the throttled request to be sent' });
    expect(sent).toEqual([7]);
    queue.destroy();
  });

  it('still sends a request held back by the in-flight limit when an earlier one is answered', async () => {
    mendIdleRequestQueue();
    const { queue, sent, push } = queueOf(1);
    const first = push(1);
    void push(2);
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: null, size: 0 });
    await first;
    expect(sent).toEqual([1, 2]);
    queue.fulfillRequest({ correlationId: 2, payload: null, size: 0 });
    expect(queue.pending).toEqual([]);
    // The check scheduled while the second request waited runs once more, then stops.
    await eventually(async () => (queue.throttleCheckTimeoutId === null ? true : undefined), { intervalMs: 5, what: 'the queue to stop checking' });
    queue.destroy();
  });
});
