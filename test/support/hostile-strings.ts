import fc from 'fast-check';

/** Values that have broken parsers before: injections, overflows, path tricks, look-alikes, NUL. */
export const classicHostileValues: readonly string[] = [
  '', '0', '-1', '1e309', 'NaN', '%00', '\u0000', 'a\u0000b', "' OR 1=1 --", '"; DROP TABLE flags; --', '../../package.json',
  '2026-13-45T99:99:99Z', '2026-02-30', 'duplicate.exact', 'pending_review', '9'.repeat(40), '__proto__', 'constructor',
  '{"$ne":null}', 'x\r\ny', '\u202e', '\ud83d\ude00', 'bravo', 'shop', 'Asia/Shanghai',
];

/**
 * Strings a hostile caller might send: any Unicode (control characters and NUL included, no
 * lone surrogates, which no transport carries), ASCII with controls, ordinary text with one
 * control character inside (the kind a length check lets through), and the classics.
 */
export function hostileString(maxLength = 40): fc.Arbitrary<string> {
  const half = Math.max(1, Math.floor(maxLength / 2) - 1);
  const withControl = fc.tuple(fc.string({ maxLength: half }), fc.constantFrom('\u0000', '\u0001', '\n', '\u007f', '\u202e'), fc.string({ maxLength: half }))
    .map(([before, control, after]) => `${before}${control}${after}`);
  return fc.oneof(fc.string({ unit: 'binary', maxLength }), fc.string({ unit: 'binary-ascii', maxLength }), withControl, fc.constantFrom(...classicHostileValues));
}
