import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TopicRole } from '@backstop/contracts';
import { kafkaSecurity, type KafkaSecurity } from '@backstop/kafka';
import { startBroker, type RunningBroker } from '../../infra/kafka/broker';
import { ensureBackstopTopics } from '../../infra/kafka/topics';
import { makeTestCertificates, type TestCertificates } from './test-certificates';

/**
 * A private Kafka broker whose client listener demands TLS and SASL/SCRAM, like a managed
 * cluster: its own ports, data directory, certificates and users, all removed by `destroy`.
 * The services use the SCRAM-SHA-512 user; a second user has a SCRAM-SHA-256 credential only.
 * The heap is kept small; it carries a test's few messages.
 */
export class SecuredBroker {
  readonly username = 'backstop-app';
  readonly password = `scram${randomBytes(12).toString('hex')}`;
  readonly sha256User = { username: 'backstop-sha256', password: `scram${randomBytes(12).toString('hex')}` };
  private readonly dir = mkdtempSync(join(tmpdir(), 'backstop-secured-kafka-'));
  readonly certificates: TestCertificates = makeTestCertificates(this.dir);
  private running: RunningBroker | undefined;

  constructor(private readonly port: number) {}

  get brokers(): string[] {
    return [`127.0.0.1:${this.port}`];
  }

  async start(): Promise<void> {
    this.running = await startBroker(
      {
        port: this.port,
        dataDir: join(this.dir, 'data'),
        logFile: join(this.dir, 'broker.log'),
        maxHeap: '256m',
        secured: {
          keystoreFile: this.certificates.keystoreFile,
          keystorePassword: this.certificates.keystorePassword,
          scramUsers: [
            { mechanism: 'SCRAM-SHA-512', name: this.username, password: this.password },
            { mechanism: 'SCRAM-SHA-256', name: this.sha256User.username, password: this.sha256User.password },
          ],
        },
      },
      { log: () => undefined },
    );
  }

  /** The environment a service needs to reach this broker; `overrides` spoil one setting or another. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      KAFKA_BROKERS: this.brokers.join(','),
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: this.certificates.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: this.username,
      KAFKA_SASL_PASSWORD: this.password,
      ...overrides,
    };
  }

  /** How a test's own clients connect: through the secured listener, like the services. */
  security(): KafkaSecurity {
    return kafkaSecurity({
      KAFKA_SSL: true,
      KAFKA_SSL_CA_FILE: this.certificates.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: this.username,
      KAFKA_SASL_PASSWORD: this.password,
    });
  }

  /** Creates Backstop's topics with a test's prefix, over the secured listener. */
  async createTopics(topicPrefix: string, partitions: Partial<Record<TopicRole, number>>): Promise<void> {
    await ensureBackstopTopics(this.brokers, { prefix: topicPrefix, partitions, security: this.security() });
  }

  /** Stops the broker and removes its data and certificates. */
  async destroy(): Promise<void> {
    await this.running?.stop();
    this.running = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
