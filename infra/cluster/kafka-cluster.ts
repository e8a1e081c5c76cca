import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-ports';
import { eventually } from '../dev/eventually';
import { startBroker, waitForBroker, type BrokerOptions, type RunningBroker } from '../kafka/broker';

export interface KafkaClusterOptions {
  /** Brokers, each also a controller; three by default, as the smallest cluster that survives one loss. */
  size?: number;
  /** Heap of each broker; small, so three fit beside everything else on one machine. */
  maxHeap?: string;
  log?: (line: string) => void;
}

/**
 * A Kafka cluster of the project's own on this machine: `size` KRaft nodes, each broker and
 * controller, replicating internal topics three ways with two in sync, in a folder of its
 * own. Brokers can be killed and restarted one by one, for fault tests; the machine's shared
 * broker is never touched.
 */
export class KafkaCluster {
  private readonly running = new Map<number, RunningBroker>();

  private constructor(
    private readonly dir: string,
    readonly ports: readonly number[],
    private readonly options: BrokerOptions[],
    private readonly log: (line: string) => void,
  ) {}

  static async start(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
    const size = options.size ?? 3;
    const dir = mkdtempSync(join(tmpdir(), 'backstop-kafka-cluster-'));
    // Each broker's controller listens on its port + 1. Above Linux's ephemeral range
    // (32768–60999): a port found free there can be taken by an outgoing connection before
    // the broker binds it.
    const ports = await freePorts(size, { from: 61_000, to: 65_000, step: 2, companions: [1] });
    const clusterId = randomBytes(16).toString('base64url');
    const brokerOptions = ports.map((port, index): BrokerOptions => ({
      port,
      dataDir: join(dir, `node-${index + 1}`),
      logFile: join(dir, `node-${index + 1}.log`),
      maxHeap: options.maxHeap ?? '384m',
      member: { nodeId: index + 1, clusterId, ports },
    }));
    const cluster = new KafkaCluster(dir, ports, brokerOptions, options.log ?? (() => undefined));
    try {
      // Together: no node is ready before a majority of controllers is up.
      await Promise.all(ports.map((port) => cluster.restart(port)));
      await cluster.waitUntilComplete();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The seed list services take in KAFKA_BROKERS. */
  get brokers(): string[] {
    return this.ports.map((port) => `127.0.0.1:${port}`);
  }

  /** Every broker registered with the controller. */
  async waitUntilComplete(timeoutMs = 120_000): Promise<void> {
    const { Kafka, logLevel } = await import('kafkajs');
    const live = () => this.brokers.filter((_, index) => this.running.has(this.ports[index]!));
    await eventually(async () => {
      const brokers = live();
      const admin = new Kafka({ clientId: 'backstop-cluster-probe', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
      try {
        await admin.connect();
        return (await admin.describeCluster()).brokers.length === brokers.length ? true : undefined;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }, { timeoutMs, intervalMs: 500, what: `the Kafka cluster to register all ${live().length} live brokers` });
  }

  /** SIGKILL: the broker gets no chance to hand over leadership, as a crashed machine. */
  async kill(port: number): Promise<void> {
    const broker = this.running.get(port);
    if (!broker) return;
    this.running.delete(port);
    const child = broker.process;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a broker (again) on its port with its data; it rejoins and catches up. */
  async restart(port: number): Promise<void> {
    const options = this.options[this.ports.indexOf(port)];
    if (!options) throw new Error(`no broker on port ${port}`);
    const broker = await startBroker(options, { log: this.log });
    this.running.set(port, broker);
    await waitForBroker([`127.0.0.1:${port}`]);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((broker) => broker.stop()));
    this.running.clear();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
