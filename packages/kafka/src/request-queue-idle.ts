import { createRequire } from 'node:module';
import type { Logger } from '@backstop/logging';

/** The KafkaJS release whose request queue this mends; another leaves it alone. */
const MENDED_VERSION = '2.2.4';
/** KafkaJS's own retry period for a queue that holds requests back (CHECK_PENDING_REQUESTS_INTERVAL). */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

/** The part of KafkaJS's RequestQueue (src/network/requestQueue) the mend reads and replaces. */
export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/**
 * KafkaJS 2.2.4's scheduleCheckPendingRequests, as upstream's pull request 1667 corrects it:
 * with nothing pending and no broker throttle, there is nothing to check later, so nothing is
 * scheduled. A request that cannot go at once is queued by `push`, which schedules its own
 * check, and every answer checks the queue again.
 */
function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  let delayMs = this.throttledUntil - Date.now();
  if (this.pending.length > 0) delayMs = delayMs > 0 ? delayMs : CHECK_PENDING_REQUESTS_INTERVAL_MS;
  else if (delayMs <= 0) return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delayMs);
}

let mended: boolean | undefined;

/**
 * Stops every KafkaJS connection of this process from waking it every millisecond.
 *
 * KafkaJS 2.2.4 schedules a check of its pending requests after each answer and each check,
 * even when none are pending; the delay it computes is then `-1 - Date.now()`, which Node runs
 * as 1 ms, so each connection re-arms a timer about a thousand times a second for as long as it
 * lives (upstream issues 1556, 1604 and 1704; the fix, pull request 1667, was never released).
 * An idle service woke about 1,500 times a second; on a machine whose cores every process
 * shares, each wake-up is CPU taken from the pipeline. The mend replaces that one method on
 * the shared class, so it covers every client of the process; a KafkaJS other than 2.2.4 is
 * left as it is, said once in `logger`'s warnings, so an upgrade is checked for the loop
 * again. Returns whether the running KafkaJS was mended.
 */
export function mendIdleRequestQueue(logger?: Logger): boolean {
  if (mended !== undefined) return mended;
  const require = createRequire(import.meta.url);
  const version = (require('kafkajs/package.json') as { version: string }).version;
  mended = version === MENDED_VERSION;
  if (!mended) {
    logger?.warn({ component: 'kafkajs', version, mendedVersion: MENDED_VERSION }, 'KafkaJS is not the release whose idle request-queue loop Backstop mends; left as it is');
  } else {
    const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals };
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  }
  return mended;
}
