import { Cluster, SlotRanges, type Redis } from '@backstop/redis';

export interface MasterChange {
  /** How many slots now have another master than when last seen. */
  slots: number;
  /** Those slots, as ranges ("0-5460,10923"). */
  ranges: string;
  /** The masters that lost slots and those that took them ("host:port"). */
  from: string[];
  to: string[];
}

/**
 * Calls `onChange` when slots of a Redis Cluster change master: a replica promoted after its
 * master died, or slots moved on purpose. Replication is asynchronous, so a promoted replica
 * may lack its master's last writes: for the payers' state that is a partial loss, and the
 * caller treats it as one. A slot moved on purpose carries its keys; treating it as a loss
 * costs a rebuild, never a refund. Reads ioredis's own slot map after each of its refreshes;
 * on a single Redis there is nothing to watch.
 */
export function watchMasterChanges(redis: Redis, onChange: (change: MasterChange) => void): () => void {
  if (!(redis instanceof Cluster)) return () => undefined;
  const cluster = redis;
  let known: string[] | undefined;
  const check = () => {
    const masters = Array.from({ length: 16_384 }, (_, slot) => cluster.slots[slot]?.[0] ?? '');
    // Before the first complete map there is nothing to compare with.
    if (masters.includes('')) return;
    if (known === undefined) {
      known = masters;
      return;
    }
    const from = new Set<string>();
    const to = new Set<string>();
    const changed: number[] = [];
    masters.forEach((master, slot) => {
      if (master === known![slot]) return;
      changed.push(slot);
      from.add(known![slot]!);
      to.add(master);
    });
    known = masters;
    if (changed.length > 0) onChange({ slots: changed.length, ranges: SlotRanges.of(changed).toString(), from: [...from], to: [...to] });
  };
  cluster.on('refresh', check);
  check();
  return () => cluster.off('refresh', check);
}
