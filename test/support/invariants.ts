import { checkLive } from '../../infra/tools/invariants/check';
import type { InvariantReport, SentEvent } from '../../infra/tools/invariants/invariants';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { describeMissedMistakes } from './missed-mistakes';
import { serviceWarnings } from './services';
import type { IsolatedStack } from './stack';

export interface CheckOptions {
  /** How long the detector and refund worker may take to catch up before the check. */
  waitMs?: number;
  /** The brokers and Redis the services used, when not the stack's own. */
  brokers?: string[];
  redisUrl?: string;
  /** The service processes under test: what they warned about explains a failed check. */
  services?: readonly ServiceProcess[];
}

export interface CheckedStack extends InvariantReport {
  /** One line per violation: what a test asserts empty, so a failure reads at a glance. */
  violationLines: string[];
  /**
   * Why, when anything was violated: the payer's stream beside every mistake left unflagged,
   * and the services' warnings and errors. A test gives it as its assertion's message, so the
   * failure's summary, the part of a long run's log that is always read, carries it.
   */
  evidence: string;
}

/**
 * Runs the invariant checker against a test's stack, exactly as `npm run check:invariants`
 * does, after waiting for the detector and refund worker to catch up. Prints the report so
 * a fault test's log carries it.
 */
export async function checkStack(stack: IsolatedStack, sent: SentEvent[], label: string, options: CheckOptions = {}): Promise<CheckedStack> {
  const { waitMs = 90_000, brokers = stack.brokers, redisUrl = stack.redisUrl, services = [] } = options;
  const { report, text } = await checkLive(
    sent.map((event) => JSON.stringify(event)).join('\n'),
    {
      KAFKA_BROKERS: brokers,
      KAFKA_TOPIC_PREFIX: stack.topicPrefix,
      DATABASE_URL: stack.databaseUrl,
      DETECTOR_GROUP_ID: 'backstop-detector',
      REFUND_WORKER_GROUP_ID: 'backstop-refund-worker',
    },
    waitMs,
  );
  process.stdout.write(`invariant checker after ${label}:\n${text}`);
  const violationLines = report.violations.map((violation) => `${violation.invariant}: ${violation.detail}`);
  if (violationLines.length === 0) return { ...report, violationLines, evidence: '' };
  // The report stands whatever happens to the description of its misses.
  const missed = await describeMissedMistakes(brokers, stack.topicPrefix, report, 60_000, { redisUrl, redisPrefix: stack.redisPrefix }).catch((error: unknown) => `(the payers' streams could not be read: ${(error as Error).message})`);
  const warnings = services.length > 0 ? serviceWarnings(services) : '';
  const evidence = [`after ${label}`, missed, warnings].filter(Boolean).join('\n');
  process.stdout.write(`${evidence}\n`);
  return { ...report, violationLines, evidence };
}
