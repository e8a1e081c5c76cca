/**
 * `npm run check:invariants -- --sent sent.jsonl [--wait-seconds 60] [--json]`
 *
 * Holds a running Backstop (or a test's stack) to its two promises against the sender's own
 * record (`npm run simulate -- --log sent.jsonl`). With --wait-seconds it first waits, up to
 * that long, for the detector and refund worker groups to catch up. Exits 0 when every
 * invariant holds, 1 on violations, 2 when it could not check.
 * Environment: KAFKA_BROKERS, KAFKA_TOPIC_PREFIX, DATABASE_URL, DETECTOR_GROUP_ID, REFUND_WORKER_GROUP_ID,
 * and the services' KAFKA_SSL… and KAFKA_SASL… settings for a cluster that demands them.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkKafkaSecurity, commonEnv, kafkaSecurityEnv, loadConfig } from '@backstop/config';
import { createKafka, kafkaSecurity, type KafkaSecuritySettings } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createPool } from '@backstop/postgres';
import { z } from 'zod';
import { collectLag, collectObserved, type CollectOptions } from './collect';
import { checkInvariants, type InvariantReport } from './invariants';
import { formatReport, parseSentLog } from './report';

const Env = z.object({
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
  DATABASE_URL: commonEnv.DATABASE_URL,
  DETECTOR_GROUP_ID: z.string().min(1).default('backstop-detector'),
  REFUND_WORKER_GROUP_ID: z.string().min(1).default('backstop-refund-worker'),
});

/** Polls until both groups have committed everything, or the deadline passes (then the lag is reported as a violation). */
export async function waitForCatchUp(options: CollectOptions, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const lag = await collectLag(options);
    if (Object.values(lag).every((value) => value === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Reached as the services reach it: the Kafka TLS and SASL settings, when given, are theirs. */
const LiveEnv = Env.extend(kafkaSecurityEnv).superRefine(checkKafkaSecurity);

export async function checkLive(sentText: string, env: z.infer<typeof Env> & Partial<KafkaSecuritySettings>, waitMs = 0): Promise<{ report: InvariantReport; text: string }> {
  const sent = parseSentLog(sentText);
  const logger = createLogger('check-invariants', process.env.LOG_LEVEL ?? 'warn');
  const kafka = createKafka(env.KAFKA_BROKERS, 'backstop-check-invariants', logger, { security: kafkaSecurity({ KAFKA_SSL: false, ...env }) });
  const pool = createPool(env.DATABASE_URL, 'backstop-check-invariants', 2);
  try {
    const options: CollectOptions = {
      kafka,
      pool,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      detectorGroup: `${env.KAFKA_TOPIC_PREFIX}${env.DETECTOR_GROUP_ID}`,
      refundWorkerGroup: `${env.KAFKA_TOPIC_PREFIX}${env.REFUND_WORKER_GROUP_ID}`,
    };
    if (waitMs > 0) await waitForCatchUp(options, waitMs);
    const observed = await collectObserved(options);
    const report = checkInvariants(sent, observed);
    return { report, text: formatReport(report, observed.lagByGroup) };
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { sent: { type: 'string' }, 'wait-seconds': { type: 'string', default: '0' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  if (!values.sent) throw new Error('--sent FILE is required: the sender\'s record, e.g. from npm run simulate -- --log sent.jsonl');
  const waitSeconds = Number(values['wait-seconds']);
  if (!(waitSeconds >= 0 && waitSeconds <= 3600)) throw new Error('--wait-seconds must be between 0 and 3600');
  const { report, text } = await checkLive(await readFile(values.sent, 'utf8'), loadConfig(LiveEnv), waitSeconds * 1000);
  process.stdout.write(values.json ? `${JSON.stringify(report)}\n` : text);
  process.exitCode = report.violations.length === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith('check.ts')) {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  });
}
