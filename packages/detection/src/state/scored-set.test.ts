import { describe, expect, it } from 'vitest';
import { compareBytes, ScoredSet } from './scored-set';

describe('ScoredSet, as Redis keeps a sorted set', () => {
  it('orders by score, then by the members’ UTF-8 bytes', () => {
    // U+1F600 (an emoji, a surrogate pair in UTF-16) sorts after U+FF0C (a fullwidth comma)
    // by UTF-8 bytes, as in Redis, though JavaScript's < puts it first.
    const set = new ScoredSet([['b', 2], ['😀', 1], ['，', 1], ['a', 2]]);
    expect([...set.asMap().keys()]).toEqual(['，', '😀', 'a', 'b']);
    expect('😀' < '，').toBe(true);
    expect(compareBytes('😀', '，')).toBeGreaterThan(0);
  });

  it('moves a known member only up with addGreater and only down with addLess, and adds a new one either way', () => {
    const set = new ScoredSet([['a', 10]]);
    set.addGreater('a', 5);
    set.addLess('b', 7);
    expect([...set.asMap()]).toEqual([['b', 7], ['a', 10]]);
    set.addGreater('a', 20);
    set.addLess('b', 9);
    set.addLess('c', 1);
    expect([...set.asMap()]).toEqual([['c', 1], ['b', 7], ['a', 20]]);
  });

  it('drops members scored below a cutoff, then all but the last of a cap', () => {
    const set = new ScoredSet([['a', 1], ['b', 2], ['c', 3], ['d', 4], ['e', 4]]);
    set.removeBelow(2);
    expect([...set.asMap().keys()]).toEqual(['b', 'c', 'd', 'e']);
    set.keepLast(2);
    expect([...set.asMap().keys()]).toEqual(['d', 'e']);
    set.keepLast(5);
    expect(set.size).toBe(2);
  });

  it('never changes a map it handed out', () => {
    const set = new ScoredSet([['a', 1]]);
    const handed = set.asMap();
    set.addGreater('b', 2);
    set.removeBelow(2);
    expect([...handed]).toEqual([['a', 1]]);
    expect([...set.asMap()]).toEqual([['b', 2]]);
  });
});
