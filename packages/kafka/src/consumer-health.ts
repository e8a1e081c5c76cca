import type { Consumer } from 'kafkajs';
import type { Logger } from '@backstop/logging';
import { runsAgainAfter } from './outage-restart';

export interface ConsumerState {
  name: string;
  running: boolean;
  /** Why it stopped, when it did: the error KafkaJS gave up on. */
  stoppedBy?: string;
}

/**
 * Which of a service's consumers still run. KafkaJS restarts a consumer after an error it can
 * retry; after any other (a batch it cannot decode, a topic it may not read) it stops for good,
 * and says so in a single CRASH event while the process lives on. Readiness and the
 * `backstop_consumer_running` gauge read this, so such a stop is seen, never a silent stall.
 */
export class ConsumerHealth {
  private readonly consumers = new Map<string, ConsumerState>();

  constructor(private readonly logger: Logger) {}

  /** Follows a consumer from now on; call it right after the consumer starts running. */
  watch(name: string, consumer: Consumer): void {
    this.consumers.set(name, { name, running: true });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      if (runsAgainAfter(consumer, payload.error)) return;
      const stoppedBy = `${payload.error.name}: ${payload.error.message}`;
      this.consumers.set(name, { name, running: false, stoppedBy });
      this.logger.error({ consumer: name, err: stoppedBy }, 'consumer stopped for good; the service reports not ready');
    });
  }

  states(): ConsumerState[] {
    return [...this.consumers.values()];
  }

  /** Throws naming every consumer that stopped for good, and why. */
  assertRunning(): void {
    const stopped = this.states().filter((state) => !state.running);
    if (stopped.length > 0) throw new Error(stopped.map((state) => `consumer ${state.name} stopped: ${state.stoppedBy}`).join('; '));
  }
}
