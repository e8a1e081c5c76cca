import { readFile } from 'node:fs/promises';
import { BacktestError, newRunId, parseInstant, periodOf, renderReport, resolveCandidate, runBacktest, type BacktestProgress } from '@backstop/backtest';
import { checkKafkaSecurity, commonEnv, kafkaSecurityEnv } from '@backstop/config';
import { payerStateEnv } from '@backstop/detection';
import { createKafka, kafkaSecurity } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import type { Pool } from '@backstop/postgres';
import { createRedis } from '@backstop/redis';
import { z } from 'zod';
import { UsageError, type ParsedCommand } from './commands';

/** What a backtest reads besides Postgres: the events topic and a Redis for its shadow state. */
export const BacktestEnv = z.object({
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
  ...kafkaSecurityEnv,
  REDIS_URL: commonEnv.REDIS_URL,
  ...payerStateEnv,
}).superRefine(checkKafkaSecurity);
export type BacktestEnv = z.infer<typeof BacktestEnv>;

async function documentAt(path: string | undefined): Promise<{ document: unknown; from: string } | undefined> {
  if (!path) return undefined;
  try {
    return { document: JSON.parse(await readFile(path, 'utf8')), from: path };
  } catch (error) {
    throw new UsageError(`cannot read ${path} as JSON: ${(error as Error).message}`);
  }
}

/** A one-line bar on a terminal; nothing in a pipe, where the report alone is wanted. */
function progressBar(stream: NodeJS.WriteStream): (progress: BacktestProgress) => void {
  if (!stream.isTTY) return () => undefined;
  let last = '';
  return ({ phase, read, total }) => {
    const share = total === 0 ? (phase === 'done' ? 1 : 0) : read / total;
    const filled = Math.round(share * 30);
    const line = `\r${phase.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] ${Math.floor(share * 100)}% ${read}/${total} events`;
    if (line === last) return;
    last = line;
    stream.write(line + (phase === 'done' ? '\n' : ''));
  };
}

/**
 * `backtest --tenant T --from TIME --to TIME [--rules F] [--policy F] [--warm-up-hours H (default DETECTOR_HISTORY_DAYS × 24)] [--format text|json]`:
 * prints the report on stdout; progress and the rate on stderr. Ctrl-C cancels cleanly (the
 * shadow state and the consumer group are removed).
 */
export async function backtestCommand(pool: Pool, env: BacktestEnv, { options }: ParsedCommand): Promise<string> {
  const format = options.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
  if (!options.tenant) throw new UsageError('--tenant is required');
  const fromMs = parseInstant(options.from, 'from');
  const toMs = parseInstant(options.to, 'to');
  // By default the whole history the payers' state keeps: production judged the period with it.
  const warmUpHours = options['warm-up-hours'] === undefined ? env.DETECTOR_HISTORY_DAYS * 24 : Number(options['warm-up-hours']);
  const period = periodOf(fromMs, toMs, warmUpHours, Date.now());
  const candidate = await resolveCandidate(pool, { tenantId: options.tenant, rules: await documentAt(options.rules), policy: await documentAt(options.policy) });

  const logger = createLogger('backtest', 'warn');
  const kafka = createKafka(env.KAFKA_BROKERS, 'backstop-backtest', logger, { security: kafkaSecurity(env) });
  const redis = createRedis(env.REDIS_URL, 'backstop-backtest');
  const cancel = new AbortController();
  const onSignal = () => cancel.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  try {
    const report = await runBacktest(
      { kafka, redis, pool, topicPrefix: env.KAFKA_TOPIC_PREFIX, stateSettings: env },
      candidate,
      period,
      { runId: newRunId(), signal: cancel.signal, onProgress: progressBar(process.stderr) },
    );
    const seconds = (performance.now() - started) / 1000;
    const read = report.events.warmUp + report.events.period;
    process.stderr.write(`backtest read ${read} events of tenant ${candidate.tenantId} in ${seconds.toFixed(1)} s (${Math.round(read / seconds)} events/s)\n`);
    return format === 'json' ? JSON.stringify(report, null, 2) : renderReport(report);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await redis.quit();
  }
}

/** Exit status per kind of failure: 2 bad input, 3 a period the topic no longer holds, 130 cancelled. */
export function exitCodeOf(error: BacktestError): number {
  return error.code === 'period-not-retained' ? 3 : error.code === 'cancelled' ? 130 : 2;
}
