/**
 * `npx tsx bench/lib/allocation-summary.ts <file.heapprofile> [--events N] [--top 25]`
 *
 * What a process allocated, from a V8 sampling heap profile that kept the objects the
 * collector freed (the detector stage writes one per run with BENCH_DETECTOR_HEAP_PROFILE):
 * bytes by owner and by allocating function, and the call paths that allocated most. The garbage collector's share
 * of a CPU profile says how much time goes to collecting; this says what made the garbage.
 * With `--events`, bytes are also given per event.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { frameName, ownerOf } from './profile-summary';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

export interface AllocationShare {
  name: string;
  bytes: number;
}

export interface AllocationSummary {
  totalBytes: number;
  byOwner: AllocationShare[];
  byFunction: AllocationShare[];
  /** The allocating function and its two nearest callers, innermost first. */
  byPath: AllocationShare[];
}

export function summariseAllocations(head: HeapNode, top = 25): AllocationSummary {
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const paths = new Map<string, number>();
  let totalBytes = 0;
  const add = (map: Map<string, number>, key: string, bytes: number) => map.set(key, (map.get(key) ?? 0) + bytes);
  /** `callers`: the two nearest, innermost first. */
  const visit = (node: HeapNode, callers: string[]) => {
    const name = frameName(node.callFrame);
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      add(owners, ownerOf(node.callFrame.url, node.callFrame.functionName), node.selfSize);
      add(functions, name, node.selfSize);
      add(paths, [name, ...callers].join(' ← '), node.selfSize);
    }
    for (const child of node.children) visit(child, [name, ...callers].slice(0, 2));
  };
  visit(head, []);
  const shares = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, bytes]) => ({ name, bytes }));
  return { totalBytes, byOwner: shares(owners), byFunction: shares(functions), byPath: shares(paths) };
}

export function formatAllocations(summary: AllocationSummary, events?: number): string {
  const share = (bytes: number) => `${((bytes / Math.max(1, summary.totalBytes)) * 100).toFixed(1)} %`;
  const perEvent = (bytes: number) => (events ? ` | ${Math.round(bytes / events).toLocaleString('en')}` : '');
  const header = (what: string) => [`| ${what} | share${events ? ' | bytes per event' : ''} |`, `|---|---|${events ? '---|' : ''}`];
  const rows = (list: AllocationShare[]) => list.map(({ name, bytes }) => `| ${name.replaceAll('|', '\\|')} | ${share(bytes)}${perEvent(bytes)} |`);
  return [
    `${(summary.totalBytes / 1e6).toFixed(1)} MB allocated (sampled)${events ? `, ${Math.round(summary.totalBytes / events).toLocaleString('en')} bytes per event` : ''}`,
    '',
    ...header('owner'), ...rows(summary.byOwner), '',
    ...header('function (self)'), ...rows(summary.byFunction), '',
    ...header('allocating function ← callers'), ...rows(summary.byPath),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' }, events: { type: 'string' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: npx tsx bench/lib/allocation-summary.ts <file.heapprofile> [--events N] [--top 25]');
    process.exit(2);
  }
  for (const file of positionals) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode };
    console.log(`## ${file}\n`);
    console.log(formatAllocations(summariseAllocations(profile.head, Number(values.top)), values.events ? Number(values.events) : undefined));
    console.log('');
  }
}
