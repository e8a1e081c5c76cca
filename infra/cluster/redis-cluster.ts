import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually } from '../dev/eventually';
import { freePorts } from './free-ports';

/**
 * Where Linux's ephemeral range (32768–60999) begins. Every node port and cluster bus port
 * (port + 10000) stays below it: a port found free inside it can be taken by an outgoing
 * connection before the node binds it.
 */
const EPHEMERAL_PORTS_START = 32_768;

export interface RedisClusterOptions {
  masters?: number;
  /** Replicas per master. */
  replicas?: number;
  /** Where the nodes keep their cluster configuration; a fresh temporary folder by default. */
  dir?: string;
}

export interface RedisNode {
  port: number;
  process: ChildProcess | undefined;
}

async function withNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/**
 * A Redis Cluster of the project's own on this machine: `masters` masters with `replicas`
 * replicas each, no persistence, in a folder of its own; it never touches the machine's
 * shared Redis. Nodes can be killed and restarted one by one, for failover tests.
 */
export class RedisCluster {
  readonly nodes: RedisNode[] = [];
  private readonly dir: string;
  private readonly ownsDir: boolean;

  private constructor(private readonly options: Required<Omit<RedisClusterOptions, 'dir'>>, dir: string | undefined) {
    this.ownsDir = dir === undefined;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'backstop-redis-cluster-'));
  }

  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const cluster = new RedisCluster({ masters: options.masters ?? 3, replicas: options.replicas ?? 1 }, options.dir);
    try {
      await cluster.create();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /** The seed list services take in REDIS_URL: every node, so any of them may be down at start. */
  get url(): string {
    return this.nodes.map((node) => `redis://127.0.0.1:${node.port}`).join(',');
  }

  get ports(): number[] {
    return this.nodes.map((node) => node.port);
  }

  private async create(): Promise<void> {
    const { masters, replicas } = this.options;
    // Each node also listens on its port + 10000 for the cluster bus.
    for (const port of await freePorts(masters * (1 + replicas), { from: 20_000, to: EPHEMERAL_PORTS_START, companions: [10_000] })) this.nodes.push({ port, process: undefined });
    await Promise.all(this.nodes.map((node) => this.launch(node)));
    const created = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...this.nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}\n${created.stderr}`);
    await this.waitUntilHealthy();
  }

  private async launch(node: RedisNode): Promise<void> {
    node.process = spawn(
      'redis-server',
      [
        '--port', String(node.port), '--bind', '127.0.0.1',
        '--cluster-enabled', 'yes',
        '--cluster-config-file', join(this.dir, `nodes-${node.port}.conf`),
        // A dead master is noticed, and its replica promoted, within a few seconds.
        '--cluster-node-timeout', '3000',
        // A replica takes over however long ago it last heard its master, as a test needs.
        '--cluster-replica-validity-factor', '0',
        '--save', '', '--appendonly', 'no',
        '--dir', this.dir,
        '--logfile', join(this.dir, `node-${node.port}.log`),
      ],
      { stdio: 'ignore' },
    );
    await eventually(() => withNode(node.port, async (client) => ((await client.ping()) === 'PONG' ? true : undefined)), { what: `redis node ${node.port} to answer` });
  }

  /**
   * Every live node sees every slot served and the cluster state ok, and every live replica
   * has finished copying its master: a replica still syncing could not take over.
   */
  async waitUntilHealthy(timeoutMs = 60_000): Promise<void> {
    await eventually(async () => {
      for (const node of this.nodes.filter((n) => n.process)) {
        const info = await withNode(node.port, (client) => client.cluster('INFO'));
        if (!/cluster_state:ok/.test(info) || !/cluster_slots_ok:16384/.test(info)) return undefined;
        const replication = await withNode(node.port, (client) => client.info('replication'));
        if (/role:slave/.test(replication) && !/master_link_status:up/.test(replication)) return undefined;
      }
      return true;
    }, { timeoutMs, what: 'the Redis cluster to be ok on every node, its replicas in sync' });
  }

  /** The port of the master serving a key's slot. */
  async masterOf(key: string): Promise<number> {
    const live = this.nodes.find((n) => n.process)!;
    const slot = await withNode(live.port, (client) => client.cluster('KEYSLOT', key));
    const slots = await withNode(live.port, (client) => client.cluster('SLOTS'));
    const master = slots.find(([from, to]) => slot >= from && slot <= to)?.[2];
    if (!master) throw new Error(`no node serves slot ${slot}`);
    return master[1];
  }

  /** SIGKILL: the node loses everything it held, as a crashed machine does. */
  /** The hash slots a node serves as master, as ranges ("0-5460"), from its own CLUSTER SLOTS. */
  async slotsServedBy(port: number): Promise<string> {
    const slots = await withNode(port, (client) => client.cluster('SLOTS'));
    return slots.filter(([, , master]) => Number(master?.[1]) === port).map(([from, to]) => (from === to ? String(from) : `${from}-${to}`)).join(',');
  }

  async kill(port: number): Promise<void> {
    const node = this.node(port);
    const child = node.process;
    node.process = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts a killed node again on its port; it rejoins the cluster from its nodes file. */
  async restart(port: number): Promise<void> {
    await this.launch(this.node(port));
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.kill(node.port)));
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  private node(port: number): RedisNode {
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no node on port ${port}`);
    return node;
  }
}
