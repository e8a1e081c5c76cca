import { describe, expect, it } from 'vitest';
import { CurrencyCode, currencyExponent, formatMoney, MinorUnits } from './money';

describe('money', () => {
  it('knows each currency exponent from ISO 4217', () => {
    expect(currencyExponent('CNY')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('accepts ISO 4217 codes and rejects others', () => {
    for (const code of ['CNY', 'USD', 'JPY', 'KWD', 'HKD']) expect(CurrencyCode.safeParse(code).success, code).toBe(true);
    for (const code of ['XYZ', 'cny', 'RMB', 'CN', '']) expect(CurrencyCode.safeParse(code).success, code).toBe(false);
  });

  it('takes money only as whole, non-negative, safe minor units', () => {
    expect(MinorUnits.safeParse(100).success).toBe(true);
    for (const bad of [1.5, -1, Number.MAX_SAFE_INTEGER + 2, '100']) expect(MinorUnits.safeParse(bad).success, String(bad)).toBe(false);
  });

  it('formats for people with the currency exponent', () => {
    expect(formatMoney(100000, 'CNY')).toBe('1000.00 CNY');
    expect(formatMoney(1000, 'JPY')).toBe('1000 JPY');
    expect(formatMoney(1500, 'KWD')).toBe('1.500 KWD');
  });
});
