import { describe, expect, it } from 'vitest';
import { summariseAllocations } from './allocation-summary';

const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });

describe('summariseAllocations', () => {
  it('sums self bytes by owner, by function and by the path that allocated them', () => {
    const head = {
      callFrame: frame('(root)', ''), selfSize: 0,
      children: [{
        callFrame: frame('observe', 'file:///repo/packages/detection/src/state/payer-state.ts'), selfSize: 100,
        children: [
          { callFrame: frame('toWritable', 'file:///repo/node_modules/ioredis/built/Command.js'), selfSize: 300, children: [] },
          { callFrame: frame('toCompact', 'file:///repo/packages/detection/src/state/compact-payment.ts'), selfSize: 50, children: [] },
        ],
      }],
    };
    const summary = summariseAllocations(head);
    expect(summary.totalBytes).toBe(450);
    expect(summary.byOwner).toEqual([{ name: 'ioredis', bytes: 300 }, { name: 'packages/detection', bytes: 150 }]);
    expect(summary.byFunction[0]).toEqual({ name: 'toWritable ioredis', bytes: 300 });
    expect(summary.byPath[0]).toEqual({ name: 'toWritable ioredis ← observe packages/detection:1 ← (root)', bytes: 300 });
  });
});
