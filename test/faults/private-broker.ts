import { rmSync } from 'node:fs';
import type { TopicRole } from '@backstop/contracts';
import { defaultBrokerOptions, startBroker, type BrokerOptions, type RunningBroker } from '../../infra/kafka/broker';
import { ensureBackstopTopics } from '../../infra/kafka/topics';

/**
 * A Kafka broker of a fault test's own, so stopping it disturbs nobody else. Stopping and
 * starting it again keeps its data, as a real broker restart does.
 */
export class PrivateBroker {
  private running: RunningBroker | undefined;
  readonly options: BrokerOptions;

  constructor(port: number) {
    this.options = defaultBrokerOptions(port);
  }

  get brokers(): string[] {
    return [`127.0.0.1:${this.options.port}`];
  }

  async start(): Promise<void> {
    this.running = await startBroker(this.options, { log: () => undefined });
  }

  async stop(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
  }

  /** Creates Backstop's topics with the test's prefix on this broker. */
  async createTopics(topicPrefix: string, partitions: Partial<Record<TopicRole, number>>): Promise<void> {
    await ensureBackstopTopics(this.brokers, { prefix: topicPrefix, partitions });
  }

  /** Stops it if running and removes its data. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.options.dataDir, { recursive: true, force: true });
  }
}
