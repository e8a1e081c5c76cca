import { describe, expect, it } from 'vitest';
import { CurrencyCode, MinorUnits } from './money';

describe('money', () => {
  it('accepts ISO 4217 codes and rejects others', () => {
    for (const code of ['CNY', 'USD', 'JPY', 'KWD', 'HKD']) expect(CurrencyCode.safeParse(code).success, code).toBe(true);
    for (const code of ['XYZ', 'cny', 'RMB', 'CN', '']) expect(CurrencyCode.safeParse(code).success, code).toBe(false);
  });

  it('agrees with ISO 4217 list one: fund codes and four-digit units in, codes without minor units out, each told why', () => {
    for (const code of ['CLF', 'UYW', 'UYI', 'BOV', 'CHE', 'SLE', 'XCG', 'VED', 'SLL', 'HRK']) expect(CurrencyCode.safeParse(code).success, code).toBe(true);
    for (const code of ['XAU', 'XDR', 'XSU', 'XTS', 'XXX']) {
      expect(CurrencyCode.safeParse(code).error?.issues.map((issue) => issue.message), code).toEqual([expect.stringContaining('without minor units')]);
    }
  });

  it('tells a code in lower case once, and only that it wants capitals', () => {
    expect(CurrencyCode.safeParse('cny').error?.issues.map((issue) => issue.message)).toEqual(['an ISO 4217 code in capitals, such as CNY']);
  });

  it('takes money only as whole, non-negative, safe minor units', () => {
    expect(MinorUnits.safeParse(100).success).toBe(true);
    for (const bad of [1.5, -1, Number.MAX_SAFE_INTEGER + 2, '100']) expect(MinorUnits.safeParse(bad).success, String(bad)).toBe(false);
  });
});
