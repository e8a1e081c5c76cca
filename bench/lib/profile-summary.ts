/**
 * `npx tsx bench/lib/profile-summary.ts <file.cpuprofile> [--top 25]`
 *
 * Where a service's CPU went, from a V8 CPU profile (`profile-hook.mjs`, or the detector
 * stage's BENCH_DETECTOR_PROFILE): self time by owner (a package in node_modules, Node's
 * own internals, the project's code, the garbage collector, idle) and the functions that
 * took the most, so a results file can quote them without a profile viewer.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  /** Samples of this frame by the line (1-based) it was on. */
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileShare {
  name: string;
  share: number;
}

export interface ProfileSummary {
  /** Wall time the profile covers, ms. */
  spanMs: number;
  /** Share of the span the process was running JavaScript, the GC or native code, not idle. */
  busy: number;
  byOwner: ProfileShare[];
  byFunction: ProfileShare[];
  /**
   * The project's lines that took the most self time, when the profile knows them: empty for
   * code run by tsx, whose whitespace-stripped output puts every function on line 1 (see
   * bundle-for-lines.mjs).
   */
  byLine: ProfileShare[];
}

/** Who a frame belongs to: a package, Node itself, the project's own code, or V8's pseudo-frames. */
export function ownerOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return packageMatch[1]!;
  if (url.startsWith('node:')) return 'node (internals)';
  const projectMatch = /\/(packages|services|bench|infra)\/([^/]+)\//.exec(url);
  return projectMatch ? `${projectMatch[1]}/${projectMatch[2]}` : url;
}

/** A frame as the summaries name it: V8's and native frames by their own name, the project's with their line. */
export function frameName({ functionName, url, lineNumber }: { functionName: string; url: string; lineNumber: number }): string {
  if (url === '') return functionName || '(anonymous native)';
  const owner = ownerOf(url, functionName);
  return `${functionName || '(anonymous)'} ${owner}${url.includes('node_modules') || url.startsWith('node:') ? '' : `:${lineNumber + 1}`}`;
}

export function summarise(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMs = new Map<number, number>();
  let spanMs = 0;
  profile.samples.forEach((id, index) => {
    const deltaMs = (profile.timeDeltas[index] ?? 0) / 1000;
    spanMs += deltaMs;
    selfMs.set(id, (selfMs.get(id) ?? 0) + deltaMs);
  });
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  const lines = new Map<string, number>();
  let idleMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    const { functionName, url } = node.callFrame;
    const ticks = node.positionTicks?.reduce((sum, position) => sum + position.ticks, 0) ?? 0;
    if (ticks > 0 && !url.includes('node_modules') && url.startsWith('file:')) {
      for (const position of node.positionTicks!) {
        const line = `${url.replace(/^file:\/\/.*?\/(?=(packages|services|bench|infra|test|\.cache)\/)/, '')}:${position.line}`;
        lines.set(line, (lines.get(line) ?? 0) + (ms * position.ticks) / ticks);
      }
    }
    if (functionName === '(idle)') idleMs += ms;
    const owner = ownerOf(url, functionName);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const name = frameName(node.callFrame);
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const shares = (map: Map<string, number>, limit: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([name, ms]) => ({ name, share: spanMs > 0 ? ms / spanMs : 0 }));
  const linesKnown = [...lines.keys()].some((line) => !line.endsWith(':1'));
  return {
    spanMs, busy: spanMs > 0 ? 1 - idleMs / spanMs : 0, byOwner: shares(owners, 15), byFunction: shares(functions, top),
    byLine: linesKnown ? shares(lines, top) : [],
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  return [
    `${(summary.spanMs / 1000).toFixed(1)} s profiled, busy ${percent(summary.busy)} of it`,
    '',
    '| owner | share of wall time |',
    '|---|---|',
    ...summary.byOwner.map(({ name, share }) => `| ${name} | ${percent(share)} |`),
    '',
    '| function (self time) | share of wall time |',
    '|---|---|',
    ...summary.byFunction.map(({ name, share }) => `| ${name.replaceAll('|', '\\|')} | ${percent(share)} |`),
    ...(summary.byLine.length === 0 ? [] : ['', '| line (self time) | share of wall time |', '|---|---|', ...summary.byLine.map(({ name, share }) => `| ${name} | ${percent(share)} |`)]),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '25' } }, allowPositionals: true });
  if (positionals.length === 0) {
    console.error('usage: npx tsx bench/lib/profile-summary.ts <file.cpuprofile> [--top 25]');
    process.exit(2);
  }
  for (const file of positionals) {
    console.log(`## ${file}\n`);
    console.log(formatSummary(summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top))));
    console.log('');
  }
}
