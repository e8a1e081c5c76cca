import fc from 'fast-check';
import { MAX_NAME_BYTES, REFUSED_CHARACTER } from '@backstop/contracts';

const refusedEverywhere = new RegExp(REFUSED_CHARACTER.source, 'gu');
const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

/** Names a Chinese card shop really uses, so runs also hit the common case, not only noise. */
export const everydayNames: readonly string[] = [
  '腾讯Q币-100', '游戏点卡', 'Steam Wallet 100', '礼品卡', '话费充值-50', '王小明', '李 雷', '原神·空月祝福', '网易一卡通 30元',
  'ａｂｃ全角', '🎮 gift', 'e\u0301', 'Ωmega', '{tag}', '%7B', 'a:b', '=1+1',
];

/**
 * Any text a platform may legitimately send as a name: any code point but the refused ones,
 * trimmed, non-empty and within the byte bound once NFC-normalised.
 */
export function platformName(): fc.Arbitrary<string> {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.constantFrom(...everydayNames),
  );
  return anyText
    .map((value) => value.replace(refusedEverywhere, '').trim())
    .filter((value) => value.length > 0 && bytes(value.normalize('NFC')) <= MAX_NAME_BYTES);
}

/** Characters a name must never hold, one of each kind the contract refuses. */
export const refusedCharacters: readonly string[] = [
  '\u0000', '\u0001', '\t', '\n', '\r', '\u007f', '\u0085', '\u009f', '\ud800', '\udfff', '\u2028', '\u2029',
  '\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\ufeff',
];

/** A valid name with one refused character put somewhere inside, at either end included. */
export function nameWithRefusedCharacter(): fc.Arbitrary<string> {
  return fc.tuple(platformName(), fc.constantFrom(...refusedCharacters), fc.nat()).map(([name, refused, at]) => {
    const codePoints = [...name];
    const position = at % (codePoints.length + 1);
    return [...codePoints.slice(0, position), refused, ...codePoints.slice(position)].join('');
  });
}
