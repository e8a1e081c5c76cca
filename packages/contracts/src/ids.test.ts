import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { everydayNames, nameWithRefusedCharacter, platformName } from '../../../test/support/unicode-names';
import { z } from 'zod';
import { MAX_NAME_BYTES, PlatformName, PlatformValue, Timestamp } from './ids';

const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

describe('PlatformName', () => {
  it("accepts a Chinese shop's own words unchanged", () => {
    for (const name of everydayNames) expect(PlatformName.parse(name), name).toBe(name.normalize('NFC'));
  });

  it('accepts any printable Unicode and returns it NFC-normalised', () => {
    fc.assert(
      fc.property(platformName(), fc.constantFrom('NFC', 'NFD') as fc.Arbitrary<'NFC' | 'NFD'>, (name, form) => {
        // The same text sent composed or decomposed is the same name.
        expect(PlatformName.parse(name.normalize(form))).toBe(name.normalize('NFC'));
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses any name holding a control, bidirectional control, separator, lone surrogate or U+FEFF', () => {
    fc.assert(
      fc.property(nameWithRefusedCharacter(), (name) => {
        expect(PlatformName.safeParse(name).success).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses blank names and leading or trailing whitespace, and keeps interior spaces', () => {
    for (const padded of ['', ' ', '\u3000', ' 腾讯Q币', '腾讯Q币 ', '\u00a0礼品卡', '礼品卡\u3000']) {
      expect(PlatformName.safeParse(padded).success, JSON.stringify(padded)).toBe(false);
    }
    expect(PlatformName.parse('Steam Wallet 100')).toBe('Steam Wallet 100');
    expect(PlatformName.parse('网易\u3000一卡通')).toBe('网易\u3000一卡通');
  });

  it(`bounds names at ${MAX_NAME_BYTES} bytes of UTF-8 after normalising, not at characters`, () => {
    const atBound = `${'币'.repeat(42)}ab`;
    expect(bytes(atBound)).toBe(MAX_NAME_BYTES);
    expect(PlatformName.parse(atBound)).toBe(atBound);
    const over = PlatformName.safeParse(`${atBound}c`);
    expect(over.success).toBe(false);
    expect(over.error?.issues.map((issue) => issue.message)).toEqual([expect.stringContaining(`${MAX_NAME_BYTES} bytes`)]);
    // 43 decomposed é are 129 bytes; composed they are 86, and the bound applies to those.
    expect(PlatformName.parse('e\u0301'.repeat(43))).toBe('é'.repeat(43));
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }), (value) => {
        if (bytes(value.normalize('NFC')) > MAX_NAME_BYTES) expect(PlatformName.safeParse(value).success).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('names what is wrong in words a platform developer understands', () => {
    const issues = PlatformName.safeParse('user\u202egnp.exe').error?.issues ?? [];
    expect(issues.map((issue) => issue.message)).toEqual([expect.stringMatching(/bidirectional/)]);
  });
});

describe('PlatformValue', () => {
  it('refuses bidirectional controls and normalises to NFC, as names do', () => {
    expect(PlatformValue.safeParse('alipay\u202e').success).toBe(false);
    expect(PlatformValue.parse('支付宝')).toBe('支付宝');
    expect(PlatformValue.parse('cafe\u0301')).toBe('café');
    fc.assert(
      fc.property(nameWithRefusedCharacter(), (value) => {
        expect(PlatformValue.safeParse(value).success).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Timestamp', () => {
  it('takes the lower-case "t" and "z" RFC 3339 allows, read upper-cased', () => {
    for (const [sent, read] of [
      ['2026-03-01t11:59:00z', '2026-03-01T11:59:00Z'],
      ['2026-03-01t19:59:00.123+08:00', '2026-03-01T19:59:00.123+08:00'],
      ['2026-03-01T11:59:00Z', '2026-03-01T11:59:00Z'],
    ]) expect(Timestamp.parse(sent)).toBe(read);
  });

  it('refuses a leap second, a missing offset and a space for the "T"', () => {
    for (const sent of ['2026-12-31T23:59:60Z', '2026-03-01T11:59:00', '2026-03-01 11:59:00Z', 20260301]) expect(Timestamp.safeParse(sent).success, String(sent)).toBe(false);
  });

  it('documents a pattern that takes both cases', () => {
    const { pattern } = z.toJSONSchema(Timestamp, { io: 'input' }) as { pattern: string };
    for (const sent of ['2026-03-01t11:59:00z', '2026-03-01T11:59:00+08:00']) expect(new RegExp(pattern).test(sent), sent).toBe(true);
    expect(new RegExp(pattern).test('2026-12-31T23:59:60Z')).toBe(false);
  });
});
