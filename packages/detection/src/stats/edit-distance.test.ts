import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { osaDistance, singleEdit } from './edit-distance';

describe('single edits between account numbers', () => {
  it.each([
    ['8000123457', '8000123456', 'substituted'],
    ['800012345', '8000123456', 'missing'],
    ['80001234566', '8000123456', 'extra'],
    ['8000124356', '8000123456', 'swapped'],
    ['8000123465', '8000123456', 'swapped'],
    ['AB-77x', 'ab-77X', 'case'],
    ['0800012345', '8000123456', undefined],
    ['8000123456', '8000123456', undefined],
    ['8000654321', '8000123456', undefined],
    ['8000213465', '8000123456', undefined],
  ] as const)('%s against %s: %s', (typed, intended, expected) => {
    expect(singleEdit(typed, intended)).toBe(expected);
  });

  it('agrees with the optimal-string-alignment distance: a single edit is distance 1, or a case change', () => {
    const account = fc.stringMatching(/^[0-9A-Za-z]{1,12}$/);
    fc.assert(
      fc.property(account, account, (typed, intended) => {
        const edit = singleEdit(typed, intended);
        if (edit === 'case') return typed.toLowerCase() === intended.toLowerCase() && typed !== intended;
        return (edit !== undefined) === (osaDistance(typed, intended) === 1);
      }),
      { numRuns: 2000 },
    );
  });

  it('finds every one-edit variant of an account', () => {
    const intended = '6217001234';
    fc.assert(
      fc.property(fc.nat(intended.length - 1), fc.constantFrom(...'0123456789'), (at, digit) => {
        const substituted = intended.slice(0, at) + digit + intended.slice(at + 1);
        const dropped = intended.slice(0, at) + intended.slice(at + 1);
        const inserted = intended.slice(0, at) + digit + intended.slice(at);
        expect(singleEdit(dropped, intended)).toBe('missing');
        expect(singleEdit(inserted, intended)).toBe('extra');
        expect(singleEdit(substituted, intended)).toBe(substituted === intended ? undefined : 'substituted');
      }),
    );
  });

  it('counts transpositions as one edit', () => {
    expect(osaDistance('ca', 'ac')).toBe(1);
    expect(osaDistance('kitten', 'sitting')).toBe(3);
    expect(osaDistance('', 'abc')).toBe(3);
  });
});
