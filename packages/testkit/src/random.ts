/** A seed for a run that names none: printed with the run, so a failure can be replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

/** A seeded generator (mulberry32), so the same seed always yields the same traffic. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i += 1) out += String(this.int(0, 9));
    return out;
  }

  /** `length` lower-case hex digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 2 ** 32).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  id(prefix: string): string {
    return `${prefix}_${Math.floor(this.next() * 2 ** 32).toString(36)}${Math.floor(this.next() * 2 ** 32).toString(36)}`;
  }
}
