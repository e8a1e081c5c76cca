/**
 * A Redis sorted set as the detector's copy of a payer's state needs it: members with scores,
 * ordered as Redis orders them (score, then the member's bytes), updated with Redis's own
 * rules for ZADD GT and LT, trimmed as ZREMRANGEBYSCORE and ZREMRANGEBYRANK trim.
 *
 * `asMap` hands out a Map in that order and never changes a Map it handed out: a snapshot the
 * rules were given stays as it was.
 */
export class ScoredSet {
  private readonly scores: Map<string, number>;
  private ordered: Map<string, number> | undefined;

  constructor(entries: Iterable<[string, number]> = []) {
    this.scores = new Map(entries);
  }

  get size(): number {
    return this.scores.size;
  }

  has(member: string): boolean {
    return this.scores.has(member);
  }

  /** ZADD GT: a new member is added, a known one only moves to a greater score. */
  addGreater(member: string, score: number): void {
    const known = this.scores.get(member);
    if (known === undefined || score > known) this.set(member, score);
  }

  /** ZADD LT: a new member is added, a known one only moves to a lesser score. */
  addLess(member: string, score: number): void {
    const known = this.scores.get(member);
    if (known === undefined || score < known) this.set(member, score);
  }

  /** ZREMRANGEBYSCORE -inf (cutoff: every member scored below `cutoff` goes. */
  removeBelow(cutoff: number): void {
    for (const [member, score] of this.scores) if (score < cutoff) this.remove(member);
  }

  /** ZREMRANGEBYRANK 0 -(cap+1): all but the `cap` last in Redis's order go. */
  keepLast(cap: number): void {
    if (this.scores.size <= cap) return;
    const order = [...this.asMap().keys()];
    for (const member of order.slice(0, order.length - cap)) this.remove(member);
  }

  /** The members in Redis's order, with their scores. */
  asMap(): ReadonlyMap<string, number> {
    this.ordered ??= new Map([...this.scores].sort(([a, x], [b, y]) => x - y || compareBytes(a, b)));
    return this.ordered;
  }

  private set(member: string, score: number): void {
    this.scores.set(member, score);
    this.ordered = undefined;
  }

  private remove(member: string): void {
    this.scores.delete(member);
    this.ordered = undefined;
  }
}

/**
 * Redis compares members byte by byte (memcmp of their UTF-8); JavaScript compares UTF-16 code
 * units, which differs for characters beyond the Basic Multilingual Plane. Only ties of score
 * reach here, so the encoding costs little.
 */
export function compareBytes(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}
