import { describe, expect, it } from 'vitest';
import { CurrencyCode, MinorUnits } from './money';

describe('money', () => {
  it('accepts ISO 4217 codes and rejects others', () => {
    for (const code of ['CNY', 'USD', 'JPY', 'KWD', 'HKD']) expect(CurrencyCode.safeParse(code).success, code).toBe(true);
    for (const code of ['XYZ', 'cny', 'RMB', 'CN', '']) expect(CurrencyCode.safeParse(code).success, code).toBe(false);
  });

  it('takes money only as whole, non-negative, safe minor units', () => {
    expect(MinorUnits.safeParse(100).success).toBe(true);
    for (const bad of [1.5, -1, Number.MAX_SAFE_INTEGER + 2, '100']) expect(MinorUnits.safeParse(bad).success, String(bad)).toBe(false);
  });
});
