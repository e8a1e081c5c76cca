import { jsonPath } from '@backstop/http';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * Up to this many names an object's are compared one by one, which beats hashing for the
 * dozen fields of an event; past it they go into a Set, so one object of a hundred thousand
 * names costs a hundred thousand lookups, not five billion comparisons.
 */
const LINEAR_NAMES = 16;

/** Where the string literal opening at `start` closes: the next quote not escaped by an odd run of backslashes. */
function closingQuote(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/**
 * The JSON path of the first member name repeated within one object, at any depth, or
 * undefined. JSON.parse keeps the last of `"amount":3000,"amount":300000` while other parsers
 * keep the first, so the platform's record and Backstop's could disagree on the amount.
 *
 * `text` must already be valid JSON (JSON.parse took it): the scan then only follows strings
 * and brackets, jumping over each string with indexOf. Names are compared as JSON reads them,
 * so `"\u0061mount"` repeats `"amount"`.
 */
export function duplicateKeyPath(text: string): string | undefined {
  // The names of every open object, innermost last; each open container's slot in `open` is
  // where its names start (an object) or -1 - the index of its current element (an array).
  const names: string[] = [];
  const open: number[] = [];
  const large: (Set<string> | undefined)[] = [];
  let nameNext = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      if (nameNext) {
        const raw = text.slice(i + 1, end);
        const name = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        const top = open.length - 1;
        const from = open[top]!;
        let repeated: boolean;
        const set = large[top];
        if (set !== undefined) {
          repeated = set.has(name);
          set.add(name);
        } else {
          repeated = false;
          for (let k = from; k < names.length; k += 1) {
            if (names[k] === name) {
              repeated = true;
              break;
            }
          }
          if (names.length - from >= LINEAR_NAMES) large[top] = new Set(names.slice(from)).add(name);
        }
        if (repeated) return pathOf(names, open, name);
        names.push(name);
        nameNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      open.push(names.length);
      large.push(undefined);
      nameNext = true;
    } else if (c === OPEN_ARRAY) {
      open.push(-1);
      large.push(undefined);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      const from = open.pop()!;
      large.pop();
      if (from >= 0) names.length = from;
      nameNext = false;
    } else if (c === COMMA) {
      const top = open.length - 1;
      if (open[top]! < 0) open[top] = open[top]! - 1;
      else nameNext = true;
    }
  }
  return undefined;
}

/** The path to `name` in the innermost object: through each open object's latest name and each open array's current index. */
function pathOf(names: string[], open: number[], name: string): string {
  const segments: (string | number)[] = [];
  for (let depth = 0; depth < open.length - 1; depth += 1) {
    const slot = open[depth]!;
    if (slot < 0) {
      segments.push(-1 - slot);
    } else {
      // An object's names run up to where the next object inside it starts.
      let next = depth + 1;
      while (open[next]! < 0) next += 1;
      segments.push(names[open[next]! - 1]!);
    }
  }
  return jsonPath([...segments, name]);
}
