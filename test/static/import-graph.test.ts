import { existsSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseSource, repoRoot, typeScriptFiles, visit } from './source-files';

/** The shipped source: every service and package, tests left out. */
const shipped = [...typeScriptFiles('packages'), ...typeScriptFiles('services')].filter((file) => /\/src\//.test(file) && !file.endsWith('.test.ts'));

/** Each file's relative imports, resolved to repository paths (value and type imports alike). */
function importsOf(file: string): string[] {
  const found: string[] = [];
  visit(parseSource(file), (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const specifier = node.moduleSpecifier.text;
      if (!specifier.startsWith('.')) return;
      const base = normalize(join(dirname(file), specifier)).replace(/\.js$/, '');
      const target = [`${base}.ts`, `${base}.d.ts`, join(base, 'index.ts')].find((candidate) => existsSync(join(repoRoot, candidate)));
      if (target) found.push(target);
    }
  });
  return found;
}

/** Strongly connected groups of more than one file (Tarjan): each is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const connect = (file: string) => {
    index.set(file, counter);
    low.set(file, counter);
    counter += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, index.get(next)!));
      }
    }
    if (low.get(file) === index.get(file)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== file);
      if (group.length > 1) found.push(group.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) connect(file);
  return found;
}

describe('the shipped source imports like a house you can read from the door', () => {
  const graph = new Map(shipped.map((file) => [file, importsOf(file)]));

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('has no service importing another service\'s source', () => {
    const serviceOf = (file: string) => /^services\/([^/]+)\//.exec(file)?.[1];
    const crossings = [...graph].flatMap(([file, targets]) =>
      targets.filter((target) => serviceOf(target) !== undefined && serviceOf(target) !== serviceOf(file)).map((target) => `${file} → ${relative(repoRoot, join(repoRoot, target))}`),
    );
    expect(crossings).toEqual([]);
  });

  it('finds a cycle when one is there', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['a', 'b', 'c']]);
  });
});
