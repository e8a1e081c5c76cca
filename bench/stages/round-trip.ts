/**
 * What one loopback round trip costs on this machine, measured beside the end-to-end stage:
 * every pass of every service is a handful of them (a fetch, a Redis call, a produce, a
 * commit), so at moderate rates the pipeline's CPU follows its round trips, not its events.
 * `redis-benchmark` gives the wall time of a PING answered one at a time by one client; the
 * same from this process through ioredis gives what the caller's CPU pays for each, waking up
 * for the answer included.
 */
import type { Redis } from '@backstop/redis';
import { redisBenchmark } from './redis-baseline';

export interface RoundTripCost {
  /** redis-benchmark, one client, one PING at a time: µs per round trip. */
  wallMicros: number;
  /** ioredis, one PING at a time from this process: µs of this process's CPU per round trip. */
  callerCpuMicros: number;
  /** The same, with the caller idle for a millisecond between round trips, as a service between light passes. */
  callerCpuMicrosAfterIdle: number;
}

export async function measureRoundTrip(redis: Redis, redisUrl: string, roundTrips = 5_000): Promise<RoundTripCost> {
  const { callsPerS } = await redisBenchmark(redisUrl, ['-n', String(roundTrips * 4), '-c', '1', '-P', '1', 'PING']);
  const callerCpu = async (idleMs: number) => {
    await redis.ping();
    const before = process.cpuUsage();
    for (let i = 0; i < roundTrips; i += 1) {
      await redis.ping();
      if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    }
    const used = process.cpuUsage(before);
    return Math.round((used.user + used.system) / roundTrips);
  };
  return {
    wallMicros: Math.round(1_000_000 / callsPerS),
    callerCpuMicros: await callerCpu(0),
    callerCpuMicrosAfterIdle: await callerCpu(1),
  };
}
