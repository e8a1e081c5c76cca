import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { currencyExponent, formatDuration, formatMoney, languageOf, maskAccount } from './index.js';

// Intl separates a symbol from digits with a no-break space in some locales; compare plainly.
const plain = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe('currencyExponent', () => {
  it('knows each currency exponent from ISO 4217', () => {
    expect(currencyExponent('CNY')).toBe(2);
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('KWD')).toBe(3);
  });

  it('takes ISO 4217 minor units where the runtime\'s CLDR digits differ', () => {
    for (const [code, exponent] of [['CLF', 4], ['UYW', 4], ['SLL', 2], ['IDR', 2], ['HUF', 2], ['IQD', 3], ['UYI', 0]] as const) {
      expect(currencyExponent(code), code).toBe(exponent);
    }
    expect(formatMoney(12345, 'CLF', 'en')).toMatch(/1\.2345$/);
    expect(formatMoney(150000, 'IDR', 'en')).toMatch(/1,500\.00$/);
  });
});

describe('formatMoney', () => {
  it('formats for people with the currency exponent', () => {
    expect(formatMoney(100000, 'CNY', 'en')).toBe('CN¥1,000.00');
    expect(formatMoney(1000, 'JPY', 'en')).toBe('¥1,000');
    expect(plain(formatMoney(1500, 'KWD', 'en'))).toBe('KWD 1.500');
  });

  it('reads CNY minor units as fen: two digits after the point', () => {
    expect(formatMoney(5_000_000, 'CNY', 'en')).toBe('CN¥50,000.00');
    expect(formatMoney(5_000_000, 'CNY', 'zh')).toBe('¥50,000.00');
    expect(formatMoney(600, 'CNY', 'zh')).toBe('¥6.00');
  });

  it('reads JPY minor units as whole yen', () => {
    expect(formatMoney(5000, 'JPY', 'en')).toBe('¥5,000');
    expect(formatMoney(5000, 'JPY', 'zh')).toBe('JP¥5,000');
  });

  it('reads KWD minor units as fils: three digits after the point', () => {
    expect(plain(formatMoney(1234, 'KWD', 'en'))).toBe('KWD 1.234');
    expect(formatMoney(1234, 'KWD', 'zh')).toMatch(/^KWD\s?1\.234$/);
  });

  it('shows amounts under one unit with their leading zero', () => {
    expect(formatMoney(5, 'CNY', 'en')).toBe('CN¥0.05');
    expect(formatMoney(1, 'KWD', 'zh')).toMatch(/0\.001$/);
    expect(formatMoney(0, 'CNY', 'zh')).toBe('¥0.00');
  });

  it('keeps every digit of the largest safe amount, which a division in floating point would round', () => {
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'CNY', 'en')).toBe('CN¥90,071,992,547,409.91');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'KWD', 'en')).toMatch(/9,007,199,254,740\.991$/);
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'JPY', 'en')).toBe('¥9,007,199,254,740,991');
  });

  it('keeps every digit of a sum past 2^53 given as digits or a bigint, which no number holds', () => {
    expect(formatMoney('9999999999999991', 'KWD', 'en')).toMatch(/9,999,999,999,999\.991$/);
    expect(formatMoney(9_999_999_999_999_991n, 'CNY', 'en')).toBe('CN¥99,999,999,999,999.91');
    expect(formatMoney('360000', 'CNY', 'zh')).toBe('¥3,600.00');
    expect(formatMoney('0', 'JPY', 'en')).toBe('¥0');
  });

  it('gives back exactly the integer it was given, for any amount and currency', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), fc.constantFrom('CNY', 'JPY', 'KWD', 'USD', 'EUR', 'BHD', 'KRW'), fc.constantFrom('en', 'zh'), (amount, currency, lang) => {
        const digits = formatMoney(amount, currency, lang).replace(/[^0-9]/g, '');
        expect(BigInt(digits)).toBe(BigInt(amount));
        const fraction = formatMoney(amount, currency, lang).split('.')[1]?.replace(/[^0-9]/g, '') ?? '';
        expect(fraction.length).toBe(currencyExponent(currency));
      }),
    );
  });
});

describe('formatDuration', () => {
  it('says seconds, minutes, hours or days, whichever reads precisely', () => {
    expect(formatDuration(8, 'en')).toBe('8 s');
    expect(formatDuration(8, 'zh')).toBe('8 秒');
    expect(formatDuration(600, 'en')).toBe('10 min');
    expect(formatDuration(600, 'zh')).toBe('10 分钟');
    expect(formatDuration(3 * 3600, 'zh')).toBe('3 小时');
    expect(formatDuration(3 * 86_400, 'en')).toBe('3 days');
  });
});

describe('languageOf', () => {
  it('takes any Chinese tag for Chinese and everything else for English', () => {
    expect(['zh', 'zh-CN', 'zh-Hans-TW', 'ZH-tw'].map(languageOf)).toEqual(['zh', 'zh', 'zh', 'zh']);
    expect(['en', 'en-GB', 'fr', '', undefined, null, 'zhx'].map(languageOf)).toEqual(['en', 'en', 'en', 'en', 'en', 'en', 'en']);
  });
});

describe('maskAccount', () => {
  it('hides the middle of an account, counting characters rather than UTF-16 halves', () => {
    expect(maskAccount('8000123456')).toBe('80******56');
    expect(maskAccount('1234')).toBe('****');
    expect(maskAccount('王小明的游戏账号')).toBe('王小****账号');
    expect(maskAccount('𠀀𠀁𠀂𠀃𠀄𠀅𠀆𠀇')).toBe('𠀀𠀁****𠀆𠀇');
  });
});
