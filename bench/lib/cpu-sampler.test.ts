import { describe, expect, it } from 'vitest';
import { coresBetween, readCpu } from './cpu-sampler';

describe('coresBetween', () => {
  it('divides the CPU seconds each process used by the wall-clock span', () => {
    const before = new Map([['detector', 10], ['redis-server', 4]]);
    const after = new Map([['detector', 13], ['redis-server', 4.5], ['ingest', 1]]);
    expect(coresBetween(before, after, 2)).toEqual({ detector: 1.5, 'redis-server': 0.25, ingest: 0.5 });
  });
});

describe('readCpu', () => {
  it('names this process by the pid it was given', () => {
    const cpu = readCpu({ me: process.pid });
    expect(cpu.get('me')).toBeGreaterThan(0);
  });
});
