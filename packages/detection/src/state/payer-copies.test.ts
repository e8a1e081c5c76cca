import { describe, expect, it } from 'vitest';
import type { PayerCopy } from './payer-copy';
import { PayerCopies } from './payer-copies';

const copyOf = (weight: number) => ({ weight, version: '' }) as unknown as PayerCopy;

describe('PayerCopies', () => {
  it('holds at most its capacity in payments, forgetting the least recently used first', () => {
    const copies = new PayerCopies(10, 60_000, () => 0);
    copies.put('a', copyOf(4));
    copies.put('b', copyOf(4));
    expect(copies.take('a')).toBeDefined();
    copies.put('c', copyOf(4));
    expect(copies.peek('b')).toBeUndefined();
    expect(copies.peek('a')).toBeDefined();
    expect(copies.payments).toBe(8);
  });

  it('weighs a copy again when it is put back, and forgets one too heavy to hold', () => {
    const copies = new PayerCopies(10, 60_000, () => 0);
    copies.put('a', copyOf(3));
    copies.put('a', copyOf(6));
    expect(copies.payments).toBe(6);
    copies.put('b', copyOf(11));
    expect(copies.size).toBe(0);
    expect(copies.payments).toBe(0);
  });

  it('gives no copy older than its age since it was read, and keeps the time it was read when carried forward', () => {
    let now = 0;
    const copies = new PayerCopies(100, 1_000, () => now);
    copies.put('a', copyOf(1));
    now = 900;
    const carried = copies.take('a')!;
    copies.put('a', carried, copies.readAt('a'));
    now = 1_001;
    expect(copies.take('a')).toBeUndefined();
    expect(copies.payments).toBe(0);
  });

  it('keeps nothing with no capacity', () => {
    const copies = new PayerCopies(0, 1_000);
    copies.put('a', copyOf(1));
    expect(copies.enabled).toBe(false);
    expect(copies.size).toBe(0);
  });
});
