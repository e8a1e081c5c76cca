import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a person sees on a rendered page: tesseract's reading of the image, in English. */
export async function readPageImage(imagePath: string): Promise<string> {
  const { stdout } = await run('tesseract', [imagePath, '-', '-l', 'eng'], { timeout: 120_000 });
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
 * The fewest single-character edits that turn `needle` into some stretch of `haystack`
 * (Sellers' approximate substring match): 0 when it appears as it is.
 */
export function editsToFind(needle: string, haystack: string): number {
  // column[i]: edits to match needle's first i characters ending at the current haystack position.
  let column = Array.from({ length: needle.length + 1 }, (_, i) => i);
  let best = column[needle.length]!;
  for (const char of haystack) {
    const next = [0];
    for (let i = 1; i <= needle.length; i += 1) {
      next[i] = Math.min(column[i - 1]! + (needle[i - 1] === char ? 0 : 1), column[i]! + 1, next[i - 1]! + 1);
    }
    column = next;
    best = Math.min(best, column[needle.length]!);
  }
  return best;
}
