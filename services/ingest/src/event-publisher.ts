import type { Message, Producer } from 'kafkajs';
import { ACKS_ALL } from '@backstop/kafka';

interface Pending {
  message: Message;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the events of concurrent requests are gathered while one send is in flight
 * (or for `lingerMs` when idle) and go to Kafka as one batch. An idempotent KafkaJS producer
 * has one request in flight, so a send per request would cap throughput at one broker round
 * trip per event. Each caller's promise settles when its batch is acknowledged.
 */
export class EventPublisher {
  private queue: Pending[] = [];
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly lingerMs: number,
    private readonly maxBatch = 1_000,
  ) {}

  publish(messages: Message[]): Promise<void> {
    const settled = messages.map(
      (message) => new Promise<void>((resolve, reject) => this.queue.push({ message, resolve, reject })),
    );
    this.schedule();
    return Promise.all(settled).then(() => undefined);
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.lingerMs);
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.producer.send({ topic: this.topic, acks: ACKS_ALL, messages: batch.map((item) => item.message) });
        for (const item of batch) item.resolve();
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.flushing = false;
  }

  /** Waits for everything queued so far to be sent (or to fail). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.flushing || this.timer) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
