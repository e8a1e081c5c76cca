import { describe, expect, it } from 'vitest';
import { parseRedisBenchmarkCsv } from './redis-baseline';

describe('parseRedisBenchmarkCsv', () => {
  it('reads the numbers from the end of a row whose command holds quoted JSON with commas', () => {
    const output = [
      '"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"',
      '"EVALSHA 88f8 7 k:{u_1}:a {"e":"x","q":1,"$":"CNY"} 50 {}","327.55","79.096","2.240","71.423","176.383","380.159","380.927"',
    ].join('\n');
    expect(parseRedisBenchmarkCsv(output)).toEqual({ callsPerS: 328, p50Ms: 71.423 });
  });

  it('refuses output that is not a result row', () => {
    expect(() => parseRedisBenchmarkCsv('Could not connect to Redis at 127.0.0.1:6379')).toThrow(/unexpected redis-benchmark output/);
  });
});
