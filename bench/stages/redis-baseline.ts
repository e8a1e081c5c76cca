/**
 * The detector's ceiling on this Redis: `redis-benchmark` calling the detector's own observe
 * script (EVALSHA, pipelined) with the detector's key layout and realistic arguments. Payer
 * ids and event ids are random per call (`__rand_int__`), so most calls see a fresh event.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Redis } from '@backstop/redis';
import type { PaymentSnapshot } from '@backstop/contracts';
import { observePaymentArgs, packLimits, PayerStateSettings, stateLimitsOf } from '@backstop/detection';
import { examplePaymentData } from '@backstop/testkit';

const run = promisify(execFile);
const script = readFileSync(fileURLToPath(new URL('../../packages/detection/src/lua/observe-payment-8.lua', import.meta.url)), 'utf8');

export interface RedisBaseline {
  command: string;
  calls: number;
  pipeline: number;
  clients: number;
  callsPerS: number;
  p50Ms: number | undefined;
}

export async function benchObserveScript(redis: Redis, redisUrl: string, prefix: string, calls: number): Promise<RedisBaseline> {
  const sha = String(await redis.script('LOAD', script));
  // The ids hold redis-benchmark's placeholder, replaced by a random number in every call.
  const payment: PaymentSnapshot = { eventId: 'evt___rand_int__', ...examplePaymentData('__rand_int__'), occurredAt: '2026-11-26T08:00:00.000Z' };
  // The detector's own argument builder and default limits.
  const limits = packLimits(stateLimitsOf(PayerStateSettings.parse({ REDIS_KEY_PREFIX: prefix })));
  const args = ['EVALSHA', sha, '8', ...observePaymentArgs(prefix, 'bench', payment, Date.parse(payment.occurredAt), undefined, Date.now(), limits).map(String)];
  const pipeline = 64;
  const clients = 4;
  const { callsPerS, p50Ms } = await redisBenchmark(redisUrl, ['-n', String(calls), '-c', String(clients), '-P', String(pipeline), '-r', '20000', ...args]);
  return { command: 'EVALSHA observe-payment-8', calls, pipeline, clients, callsPerS, p50Ms };
}

/** Runs `redis-benchmark` against the Redis at `redisUrl` with `args` (its options, then the command) and reads its CSV. */
export async function redisBenchmark(redisUrl: string, args: string[]): Promise<{ callsPerS: number; p50Ms: number }> {
  const url = new URL(redisUrl);
  const { stdout } = await run('redis-benchmark', ['-h', url.hostname, '-p', url.port || '6379', '--csv', ...args], { maxBuffer: 1 << 20 });
  return parseRedisBenchmarkCsv(stdout);
}

/**
 * The last row of `redis-benchmark --csv`: "test","rps","avg_latency_ms","min_latency_ms",
 * "p50_latency_ms",... The test name quotes the whole command, whose JSON arguments hold
 * quotes and commas of their own, so the numbers are read from the end of the line.
 */
export function parseRedisBenchmarkCsv(stdout: string): { callsPerS: number; p50Ms: number } {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const fields = line.split(',').slice(-7).map((field) => Number(field.replaceAll('"', '')));
  if (fields.length < 7 || fields.some((field) => Number.isNaN(field))) throw new Error(`unexpected redis-benchmark output: ${line}`);
  return { callsPerS: Math.round(fields[0]!), p50Ms: fields[3]! };
}
