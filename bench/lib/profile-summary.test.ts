import { describe, expect, it } from 'vitest';
import { ownerOf, summarise } from './profile-summary';

describe('a CPU profile summary', () => {
  it('names the owner of each frame', () => {
    expect(ownerOf('file:///w/node_modules/kafkajs/src/producer/index.js', 'send')).toBe('kafkajs');
    expect(ownerOf('file:///w/node_modules/@fastify/ajv-compiler/index.js', 'x')).toBe('@fastify/ajv-compiler');
    expect(ownerOf('node:internal/streams/readable', 'read')).toBe('node (internals)');
    expect(ownerOf('file:///w/services/ingest/src/webhook/accept.ts', 'acceptEvents')).toBe('services/ingest');
    expect(ownerOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(ownerOf('', 'writev')).toBe('(native)');
  });

  it('shares self time out over the span, idle included', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 3, callFrame: { functionName: 'parse', url: 'file:///w/node_modules/zod/lib/types.js', lineNumber: 10 } },
        { id: 4, callFrame: { functionName: 'judge', url: 'file:///w/packages/detection/src/rules/rule.ts', lineNumber: 40 } },
      ],
      samples: [2, 3, 3, 4, 2],
      timeDeltas: [1000, 1000, 1000, 1000, 1000],
    };
    const summary = summarise(profile);
    expect(summary.spanMs).toBe(5);
    expect(summary.busy).toBeCloseTo(0.6);
    expect(summary.byOwner).toContainEqual({ name: 'zod', share: 0.4 });
    expect(summary.byFunction).toContainEqual({ name: 'judge packages/detection:41', share: 0.2 });
  });

  it('gives the hottest lines when the profile knows them, and none when every function sits on line 1', () => {
    const frame = (id: number, url: string, positionTicks: { line: number; ticks: number }[]) =>
      ({ id, callFrame: { functionName: 'f', url, lineNumber: 0 }, positionTicks });
    const bundled = {
      nodes: [frame(1, 'file:///w/.cache/lines/run.mjs', [{ line: 120, ticks: 3 }, { line: 7, ticks: 1 }]), frame(2, 'file:///w/node_modules/zod/lib/types.js', [{ line: 9, ticks: 4 }])],
      samples: [1, 1, 1, 1, 2, 2, 2, 2],
      timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
    };
    expect(summarise(bundled).byLine).toEqual([{ name: '.cache/lines/run.mjs:120', share: 0.375 }, { name: '.cache/lines/run.mjs:7', share: 0.125 }]);
    const minified = { ...bundled, nodes: [frame(1, 'file:///w/packages/detection/src/rules/rule.ts', [{ line: 1, ticks: 4 }]), bundled.nodes[1]!] };
    expect(summarise(minified).byLine).toEqual([]);
  });
});
