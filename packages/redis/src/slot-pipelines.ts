import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import type { ChainableCommander } from 'ioredis';

type Client = Redis | Cluster;

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
  private readonly groups = new Map<string, { pipeline: ChainableCommander; positions: number[] }>();
  private queued = 0;

  constructor(private readonly redis: Client) {}

  /** The pipeline for `key`'s node; queue exactly one command on it. */
  for(key: string): ChainableCommander {
    const group = this.groupOf(key);
    let entry = this.groups.get(group);
    if (!entry) {
      entry = { pipeline: this.redis.pipeline(), positions: [] };
      this.groups.set(group, entry);
    }
    entry.positions.push(this.queued);
    this.queued += 1;
    return entry.pipeline;
  }

  /** Commands queued so far. */
  get length(): number {
    return this.queued;
  }

  /** Pipelines that `exec` sends: one per node the commands go to. */
  get roundTrips(): number {
    return this.groups.size;
  }

  /** Sends every node's pipeline at once; replies in the order the commands were queued. */
  async exec(): Promise<[Error | null, unknown][]> {
    const entries = [...this.groups.values()];
    const settled = await Promise.allSettled(entries.map(({ pipeline }) => pipeline.exec()));
    const replies = new Array<[Error | null, unknown]>(this.queued);
    settled.forEach((outcome, index) => {
      const { positions } = entries[index]!;
      if (outcome.status === 'rejected') {
        // The whole node's pipeline failed (say, the node went away): each of its commands says so.
        const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
        for (const position of positions) replies[position] = [error, undefined];
        return;
      }
      const results = outcome.value ?? [];
      positions.forEach((position, i) => (replies[position] = (results[i] as [Error | null, unknown]) ?? [new Error('no reply'), undefined]));
    });
    return replies;
  }

  private groupOf(key: string): string {
    if (!(this.redis instanceof Cluster)) return '';
    const slot = calculateSlot(key);
    // The nodes serving the slot, as ioredis groups a pipeline's slots; until the client has
    // learnt the slots, each slot goes on its own.
    return this.redis.slots[slot]?.join(',') ?? `slot:${slot}`;
  }
}
