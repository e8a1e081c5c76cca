/** How a mistyped account differs from the intended one, when it is a single edit away. */
export type SingleEdit = 'substituted' | 'missing' | 'extra' | 'swapped' | 'case';

/**
 * Classifies `typed` against `intended` when they differ by exactly one edit: a character
 * substituted, missing or extra, two adjacent characters swapped, or only letter case
 * (any number of letters) confused. Undefined when they are equal or further apart.
 * Linear time: account numbers are compared against every account a payer used.
 */
export function singleEdit(typed: string, intended: string): SingleEdit | undefined {
  if (typed === intended) return undefined;
  if (typed.length === intended.length && typed.toLowerCase() === intended.toLowerCase()) return 'case';
  const lengthGap = typed.length - intended.length;
  if (Math.abs(lengthGap) > 1) return undefined;

  let start = 0;
  while (start < typed.length && start < intended.length && typed[start] === intended[start]) start += 1;
  let typedEnd = typed.length;
  let intendedEnd = intended.length;
  while (typedEnd > start && intendedEnd > start && typed[typedEnd - 1] === intended[intendedEnd - 1]) {
    typedEnd -= 1;
    intendedEnd -= 1;
  }
  const typedMiddle = typed.slice(start, typedEnd);
  const intendedMiddle = intended.slice(start, intendedEnd);
  if (lengthGap === 1 && typedMiddle.length === 1 && intendedMiddle.length === 0) return 'extra';
  if (lengthGap === -1 && typedMiddle.length === 0 && intendedMiddle.length === 1) return 'missing';
  if (lengthGap === 0 && typedMiddle.length === 1) return 'substituted';
  if (lengthGap === 0 && typedMiddle.length === 2 && typedMiddle[0] === intendedMiddle[1] && typedMiddle[1] === intendedMiddle[0]) return 'swapped';
  return undefined;
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), for callers
 * and tests that want the number rather than the kind of edit.
 */
export function osaDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i += 1) {
    for (let j = 1; j < cols; j += 1) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[rows - 1]![cols - 1]!;
}
