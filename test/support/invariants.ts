import { checkLive } from '../../infra/tools/invariants/check';
import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { describeMissedMistakes } from './missed-mistakes';
import type { IsolatedStack } from './stack';

/**
 * Runs the invariant checker against a test's stack, exactly as `npm run check:invariants`
 * does, after waiting for the detector and refund worker to catch up. Prints the report so
 * a fault test's log carries it, with the payer's stream beside every mistake left unflagged.
 */
export async function checkStack(stack: IsolatedStack, sent: SentEvent[], label: string, waitMs = 90_000, brokers = stack.brokers, redisUrl = stack.redisUrl) {
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
  // The report is printed whatever happens to the description of its misses.
  const missed = await describeMissedMistakes(brokers, stack.topicPrefix, report, 60_000, { redisUrl, redisPrefix: stack.redisPrefix }).catch((error: unknown) => `(the payers' streams could not be read: ${(error as Error).message})`);
  process.stdout.write(`invariant checker after ${label}:\n${text}${missed ? `${missed}\n` : ''}`);
  return report;
}
