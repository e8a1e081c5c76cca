import type { Logger } from '@backstop/logging';
import { createKafka, waitForCoordinators } from '@backstop/kafka';
import { bootstrap } from '../dev/bootstrap';
import { startServiceProcess, type ServiceName, type ServiceProcess } from '../dev/service-process';
import { KafkaCluster } from './kafka-cluster';
import { RedisCluster } from './redis-cluster';

/** How many processes of each service the topology runs. */
export const INSTANCES: Record<ServiceName, number> = { ingest: 2, detector: 3, 'refund-worker': 2, console: 1 };

export interface TopologyOptions {
  databaseUrl: string;
  logger: Logger;
  /** Each service line as it is written, prefixed with the instance's name. */
  onLine?: (instance: string, line: string) => void;
  instances?: Partial<Record<ServiceName, number>>;
  ownProcessGroups?: boolean;
  /** Prefixes of topics and Redis keys, so a test's run never meets another's. */
  topicPrefix?: string;
  redisPrefix?: string;
  /** Settings every service process gets on top of the topology's. */
  env?: Record<string, string>;
}

/**
 * Backstop as production runs it, on this machine: a 3-broker Kafka cluster (events on 12
 * partitions, everything replicated three ways, two in sync), a Redis Cluster of 3 masters
 * and 3 replicas, and several processes of every service against them.
 */
export class Topology {
  readonly services: { instance: string; process: ServiceProcess }[] = [];

  private constructor(
    readonly kafka: KafkaCluster,
    readonly redis: RedisCluster,
    readonly env: Record<string, string>,
    private readonly options: TopologyOptions,
  ) {}

  static async start(options: TopologyOptions): Promise<Topology> {
    const [kafka, redis] = await Promise.all([KafkaCluster.start(), RedisCluster.start({ masters: 3, replicas: 1 })]);
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      REDIS_URL: redis.url,
      DATABASE_URL: options.databaseUrl,
      INGEST_PORT: '0',
      CONSOLE_PORT: '0',
      DETECTOR_METRICS_PORT: '0',
      REFUND_WORKER_METRICS_PORT: '0',
      ...(options.topicPrefix ? { KAFKA_TOPIC_PREFIX: options.topicPrefix } : {}),
      ...(options.redisPrefix ? { REDIS_KEY_PREFIX: options.redisPrefix } : {}),
      ...options.env,
    };
    const topology = new Topology(kafka, redis, env, options);
    try {
      await bootstrap({ brokers: kafka.brokers, databaseUrl: options.databaseUrl, topicPrefix: options.topicPrefix ?? '', partitions: { paymentEvents: 12, flags: 6 }, logger: options.logger });
      await waitForCoordinators(createKafka(kafka.brokers, 'backstop-topology', options.logger));
      const counts = { ...INSTANCES, ...options.instances };
      for (const name of Object.keys(counts) as ServiceName[]) {
        for (let n = 1; n <= counts[name]; n += 1) topology.add(name, `${name}-${n}`);
      }
      await Promise.all(topology.services.map(({ process }) => process.ready));
    } catch (error) {
      await topology.stop();
      throw error;
    }
    return topology;
  }

  /** Starts one more process of a service (say, a refund worker while traffic flows). */
  add(name: ServiceName, instance = `${name}-${this.services.filter((s) => s.process.name === name).length + 1}`, extraEnv: Record<string, string> = {}): ServiceProcess {
    const started = startServiceProcess(name, { ...this.env, ...extraEnv }, (line) => this.options.onLine?.(instance, line), { ownProcessGroup: this.options.ownProcessGroups ?? false });
    this.services.push({ instance, process: started });
    return started;
  }

  instancesOf(name: ServiceName): ServiceProcess[] {
    return this.services.filter(({ process }) => process.name === name && process.child.exitCode === null && process.child.signalCode === null).map(({ process }) => process);
  }

  /** Services first, while the clusters can still take their last commits; the clusters last. */
  async stop(): Promise<void> {
    await Promise.all(this.services.map(({ process }) => process.stop('SIGTERM')));
    await Promise.all([this.kafka.stop(), this.redis.stop()]);
  }
}
