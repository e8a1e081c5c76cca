import calculateSlot from 'cluster-key-slot';
import { Cluster, type ChainableCommander, type Redis } from 'ioredis';

type Client = Redis | Cluster;

/** Queues one command on the pipeline it is given. */
export type PipelinedCommand = (pipeline: ChainableCommander) => unknown;

type Reply = [Error | null, unknown];

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
  private readonly queue: { key: string; command: PipelinedCommand }[] = [];
  private readonly groups = new Set<string>();

  constructor(private readonly redis: Client) {}

  /** Queues `command` for the node that serves `key`'s slot. */
  add(key: string, command: PipelinedCommand): void {
    this.queue.push({ key, command });
    this.groups.add(this.groupOf(key));
  }

  /** Commands queued so far. */
  get length(): number {
    return this.queue.length;
  }

  /** Pipelines that `exec` sends: one per node the commands go to. */
  get roundTrips(): number {
    return this.groups.size;
  }

  /**
   * Sends every node's pipeline at once; replies in the order the commands were queued.
   *
   * With `retryOnConnectionLoss` (ms), commands whose node was lost under them or that were
   * redirected because their slot moved (a master died and its replica took over) are sent
   * again, grouped by the cluster's new map, until they get replies or that long has passed.
   * Only for idempotent commands: a lost command may have run.
   */
  async exec(options: { retryOnConnectionLoss?: number } = {}): Promise<Reply[]> {
    const deadline = Date.now() + (options.retryOnConnectionLoss ?? 0);
    const replies = new Array<Reply>(this.queue.length);
    let pending = this.queue.map((_, position) => position);
    for (let attempt = 1; ; attempt += 1) {
      const retry: number[] = [];
      const byGroup = new Map<string, number[]>();
      for (const position of pending) {
        const group = this.groupOf(this.queue[position]!.key);
        const positions = byGroup.get(group);
        if (positions) positions.push(position);
        else byGroup.set(group, [position]);
      }
      await Promise.all(
        [...byGroup.values()].map(async (positions) => {
          const pipeline = this.redis.pipeline();
          for (const position of positions) this.queue[position]!.command(pipeline);
          const results = await pipeline.exec().then(
            (value) => (value ?? []) as Reply[],
            (error: unknown) => positions.map((): Reply => [error instanceof Error ? error : new Error(String(error)), undefined]),
          );
          positions.forEach((position, i) => {
            const reply = results[i] ?? [new Error('no reply'), undefined];
            replies[position] = reply;
            if (reply[0] && passing(reply[0])) retry.push(position);
          });
        }),
      );
      if (retry.length === 0 || Date.now() >= deadline) return replies;
      pending = retry;
      if (this.redis instanceof Cluster) {
        // Learn where the slots went before regrouping the commands that were sent astray.
        const cluster = this.redis;
        await new Promise<void>((resolve) => cluster.refreshSlotsCache(() => resolve()));
      }
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

/** Errors of a cluster in the middle of a change, which the same command gets past once it settles. */
function passing(error: Error): boolean {
  return /Connection is closed|ECONNREFUSED|ECONNRESET|CLUSTERDOWN|^MOVED |^ASK |TRYAGAIN|Too many Cluster redirections/.test(error.message);
}
