/** Hash slots in a Redis Cluster: 0 to 16383. */
export const SLOTS = 16_384;

/**
 * A set of Redis Cluster hash slots, written as ranges the way `CLUSTER SLOTS` lists them:
 * "0-5460,10923-16383" ("7" for one slot). Small to store however many slots it holds.
 */
export class SlotRanges {
  private constructor(private readonly members: Uint8Array) {}

  static of(slots: Iterable<number>): SlotRanges {
    const members = new Uint8Array(SLOTS);
    for (const slot of slots) members[checkedSlot(slot)] = 1;
    return new SlotRanges(members);
  }

  /** Reads ranges as `toString` writes them; overlapping or unordered ranges are taken as their union. */
  static parse(text: string): SlotRanges {
    const members = new Uint8Array(SLOTS);
    for (const part of text.split(',').filter(Boolean)) {
      const match = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
      if (!match) throw new Error(`not a slot range: ${part}`);
      const from = checkedSlot(Number(match[1]));
      const to = checkedSlot(Number(match[2] ?? match[1]));
      if (to < from) throw new Error(`not a slot range: ${part}`);
      members.fill(1, from, to + 1);
    }
    return new SlotRanges(members);
  }

  has(slot: number): boolean {
    return this.members[slot] === 1;
  }

  union(other: SlotRanges): SlotRanges {
    return new SlotRanges(this.members.map((member, slot) => member | other.members[slot]!));
  }

  get size(): number {
    return this.members.reduce((sum, member) => sum + member, 0);
  }

  toString(): string {
    const ranges: string[] = [];
    for (let slot = 0; slot < SLOTS; slot += 1) {
      if (!this.members[slot]) continue;
      const from = slot;
      while (slot + 1 < SLOTS && this.members[slot + 1]) slot += 1;
      ranges.push(from === slot ? String(from) : `${from}-${slot}`);
    }
    return ranges.join(',');
  }
}

function checkedSlot(slot: number): number {
  if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`not a hash slot: ${slot}`);
  return slot;
}
