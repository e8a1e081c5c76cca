import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';

type Client = Redis | Cluster;

/** Queues one command on the pipeline it is given. */
export type PipelinedCommand = (pipeline: ChainableCommander) => unknown;

/**
 * A pipeline that also works on Redis Cluster. A cluster node runs only the commands of the
 * slots it serves, and ioredis refuses a pipeline whose keys live on different nodes, so the
 * commands are split into one pipeline per node (per group of slots with the same nodes, as
 * ioredis groups them) and the replies put back in the order the commands were queued. On a
 * single Redis it is one pipeline, as before.
 *
 * Each command is queued with the key that places it: the first key it names, which must
 * share its slot with all its other keys.
 */
export class SlotPipelines {
  private readonly groups = new Map<string, { commands: PipelinedCommand[]; positions: number[] }>();
  private queued = 0;

  constructor(private readonly redis: Client) {}

  /** Queues `command` for the node that serves `key`'s slot. */
  add(key: string, command: PipelinedCommand): void {
    const group = this.groupOf(key);
    let entry = this.groups.get(group);
    if (!entry) {
      entry = { commands: [], positions: [] };
      this.groups.set(group, entry);
    }
    entry.commands.push(command);
    entry.positions.push(this.queued);
    this.queued += 1;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.queued;
  }

  /** Pipelines that `exec` sends: one per node the commands go to. */
  get roundTrips(): number {
    return this.groups.size;
  }

  /**
   * Sends every node's pipeline at once; replies in the order the commands were queued.
   *
   * With `retryOnConnectionLoss` (ms), a node's pipeline whose connection was lost (its master
   * died and a replica is taking over) is built and sent again until it gets replies or that
   * long has passed. Only for idempotent commands: the lost pipeline may have run.
   */
  async exec(options: { retryOnConnectionLoss?: number } = {}): Promise<[Error | null, unknown][]> {
    const entries = [...this.groups.values()];
    const deadline = Date.now() + (options.retryOnConnectionLoss ?? 0);
    const settled = await Promise.allSettled(entries.map(({ commands }) => this.send(commands, deadline)));
    const replies = new Array<[Error | null, unknown]>(this.queued);
    settled.forEach((outcome, index) => {
      const { positions } = entries[index]!;
      if (outcome.status === 'rejected') {
        // The whole node's pipeline failed: each of its commands says so.
        const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
        for (const position of positions) replies[position] = [error, undefined];
        return;
      }
      positions.forEach((position, i) => (replies[position] = outcome.value[i] ?? [new Error('no reply'), undefined]));
    });
    return replies;
  }

  private async send(commands: readonly PipelinedCommand[], deadline: number): Promise<[Error | null, unknown][]> {
    for (let attempt = 1; ; attempt += 1) {
      const pipeline = this.redis.pipeline();
      for (const command of commands) command(pipeline);
      const results = await pipeline.exec().catch((error: unknown) => error);
      const lost = connectionLost(results);
      if (!lost) {
        if (results instanceof Error) throw results;
        return (results as [Error | null, unknown][] | null) ?? [];
      }
      if (Date.now() >= deadline) throw lost;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 1_000)));
    }
  }

  private groupOf(key: string): string {
    if (!(this.redis instanceof Cluster)) return '';
    const slot = calculateSlot(key);
    // The nodes serving the slot, as ioredis groups a pipeline's slots; until the client has
    // learnt the slots, each slot goes on its own.
    return this.redis.slots[slot]?.join(',') ?? `slot:${slot}`;
  }
}

/** The error a pipeline got when its node's connection was lost under it, if that is what happened. */
function connectionLost(results: unknown): Error | undefined {
  const errors = results instanceof Error ? [results] : Array.isArray(results) ? results.map(([error]) => error as unknown) : [];
  return errors.find((error): error is Error => error instanceof Error && /Connection is closed|ECONNREFUSED|ECONNRESET|CLUSTERDOWN/.test(error.message));
}
