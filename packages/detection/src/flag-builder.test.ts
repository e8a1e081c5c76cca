import { describe, expect, it } from 'vitest';
import { flagIdFor } from './flag-builder';

describe('flag fingerprints', () => {
  it('are the same whatever order the payments are listed in', () => {
    expect(flagIdFor('duplicate.exact', 'cardshop', ['pay_b', 'pay_a'])).toBe(flagIdFor('duplicate.exact', 'cardshop', ['pay_a', 'pay_b']));
  });

  it('differ by rule, tenant and payments', () => {
    const ids = new Set([
      flagIdFor('duplicate.exact', 'cardshop', ['pay_a', 'pay_b']),
      flagIdFor('duplicate.suspected', 'cardshop', ['pay_a', 'pay_b']),
      flagIdFor('duplicate.exact', 'othershop', ['pay_a', 'pay_b']),
      flagIdFor('duplicate.exact', 'cardshop', ['pay_a', 'pay_c']),
      flagIdFor('duplicate.exact', 'cardshop', ['pay_a,pay_b']),
      flagIdFor('duplicate.exact', 'cardshop', ['pay_a']),
    ]);
    expect(ids.size).toBe(6);
  });

  it('match the contract format', () => {
    expect(flagIdFor('velocity.burst', 'cardshop', ['p1'])).toMatch(/^flg_[0-9a-f]{32}$/);
  });
});
