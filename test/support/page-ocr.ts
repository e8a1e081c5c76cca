import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a person sees on a rendered page: tesseract's reading of the image, in English. */
export async function readPageImage(imagePath: string): Promise<string> {
  const { stdout } = await run('tesseract', [imagePath, '-', '-l', 'eng'], { timeout: 45_000 });
  return stdout;
}

/**
 * OCR reads some glyphs of a typeface as their look-alikes (0 as O, 1 as l); both sides are
 * folded to one of each before they are compared, and spaces inside a line are dropped.
 */
export function foldLookAlikes(text: string): string {
  return text.replace(/[Oo]/g, '0').replace(/[Il|]/g, '1').replace(/[ \t]+/g, '');
}

/**
 * Where some stretch of `haystack` is at most `maxEdits` single-character edits from `needle`
 * (Sellers' approximate substring match): the index of each such stretch's last character.
 */
export function approximateMatchEnds(needle: string, haystack: string, maxEdits: number): number[] {
  // column[i]: edits to match needle's first i characters ending at the current haystack position.
  let column = Array.from({ length: needle.length + 1 }, (_, i) => i);
  const ends: number[] = [];
  [...haystack].forEach((char, position) => {
    const next = [0];
    for (let i = 1; i <= needle.length; i += 1) {
      next[i] = Math.min(column[i - 1]! + (needle[i - 1] === char ? 0 : 1), column[i]! + 1, next[i - 1]! + 1);
    }
    column = next;
    if (column[needle.length]! <= maxEdits) ends.push(position);
  });
  return ends;
}

/**
 * Whether `text` is shown in `seen` (both folded): all but its last `exactTail` characters
 * within `misreadings` edits, directly followed by those last characters as they are. Two ids
 * that differ only at the end (pay_…aa, pay_…ab) are then told apart: a page that shows one
 * of them does not pass for both.
 */
export function shownOnPage(text: string, seen: string, misreadings: number, exactTail = 2): boolean {
  const wanted = foldLookAlikes(text);
  const head = wanted.slice(0, -exactTail);
  const tail = wanted.slice(-exactTail);
  const characters = [...seen];
  return approximateMatchEnds(head, seen, misreadings).some((end) => characters.slice(end + 1, end + 1 + tail.length).join('') === tail);
}
