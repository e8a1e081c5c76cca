import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleEdit } from '@backstop/detection';
import { Random } from '../random';
import { mistype, mistypeUnpaid } from './account-typos';

const accounts = fc.stringMatching(/^[1-9]\d{5,13}$/);

describe('account typos', () => {
  it('are always one edit away from the account meant, as the detector reads an edit', () => {
    fc.assert(
      fc.property(accounts, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (account, seed) => {
        const typed = mistype(new Random(seed), account);
        expect(singleEdit(typed, account), `${account} → ${typed} (seed ${seed})`).toMatch(/^(substituted|missing|extra|swapped)$/);
      }),
    );
  });

  it('make every kind of slip, and leave the first digit alone', () => {
    const random = new Random(7);
    const kinds = new Set<string>();
    for (let i = 0; i < 400; i += 1) {
      const typed = mistype(random, '8123456789');
      kinds.add(singleEdit(typed, '8123456789')!);
      expect(typed[0]).toBe('8');
    }
    expect([...kinds].sort()).toEqual(['extra', 'missing', 'substituted', 'swapped']);
  });

  it('never land on an account the payer paid, and give up rather than loop when every slip would', () => {
    fc.assert(
      fc.property(accounts, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (account, seed) => {
        const paid = new Set([account, mistype(new Random(seed), account)]);
        const typed = mistypeUnpaid(new Random(seed), account, paid);
        if (typed !== undefined) expect(paid.has(typed)).toBe(false);
      }),
    );
    // A three-digit account has few slips (about twenty): a payer can have paid every one of them.
    const everySlip = new Set(Array.from({ length: 2_000 }, (_, seed) => mistype(new Random(seed), '812')));
    expect(mistypeUnpaid(new Random(1), '812', everySlip)).toBeUndefined();
    expect(() => mistype(new Random(1), '81')).toThrow(RangeError);
  });
});
