import type { FastifyInstance } from 'fastify';
import type { PaymentCheck, WarningLog } from '@backstop/detection';
import type { Logger } from '@backstop/logging';
import type { IngestMetrics } from '../metrics';
import { authenticateSigned, keepJsonBodiesRaw, type SignatureOptions } from '../webhook/signed-request';
import { BoundedCheck } from './bounded-check';
import { validateIntent } from './validate-intent';

export interface CheckRouteOptions extends SignatureOptions {
  paymentCheck: PaymentCheck;
  metrics: IngestMetrics;
  logger: Logger;
  /** Longest a check may take before it is answered `allow` + `degraded`. */
  deadlineMs: number;
  /** Checks still being computed at once, beyond which one is answered `allow` + `degraded` without asking (see BoundedCheck). */
  maxInFlight: number;
  /** Where a `confirm` is remembered, and for how long (s), so the flag on the payment can say the user was warned. */
  warnings: WarningLog;
  warningTtlSeconds: number;
}

/** At most one log line per this many ms about checks that could not be answered: a stalled Redis would otherwise write one per check. */
const DEGRADED_LOG_INTERVAL_MS = 10_000;

/**
 * `POST /v1/checks`: the payment a user is about to make, judged the way the detector would
 * judge it, before the platform charges. Signed exactly like a webhook. Always 200 once the
 * request is authentic and well-formed: a check that cannot be computed in time is `allow`
 * with `degraded: true`, because a check must never block a payment.
 */
export async function checkRoutes(app: FastifyInstance, options: CheckRouteOptions): Promise<void> {
  keepJsonBodiesRaw(app);
  const bounded = new BoundedCheck(options.paymentCheck, options.deadlineMs, options.maxInFlight);
  let lastDegradedLogMs = 0;

  app.post('/v1/checks', async (request, reply) => {
    const { headers, body, nowMs } = await authenticateSigned(request, options);
    const intent = validateIntent(body);
    const { answer, degradedBecause, shed } = await bounded.answer(headers.tenantId, intent, nowMs);
    if (degradedBecause !== undefined && Date.now() - lastDegradedLogMs >= DEGRADED_LOG_INTERVAL_MS) {
      lastDegradedLogMs = Date.now();
      // The reason only: the intent holds account numbers, which never reach the logs.
      options.logger.warn({ reason: degradedBecause }, 'checks answered allow, degraded');
    }
    if (answer.verdict === 'confirm') {
      // Not awaited: the user takes far longer to confirm than Redis to store this, and a
      // check is answered in time even when the write is slow. A lost warning only means its
      // flag will not say the user was warned.
      const reasons = answer.reasons.map((reason) => reason.code);
      options.warnings.record(headers.tenantId, intent.payerId, intent.intentId, reasons, new Date(nowMs), options.warningTtlSeconds).catch((error: unknown) => {
        options.logger.warn({ reason: (error as Error).message }, 'could not remember a check\'s warning');
      });
    }
    if (shed) options.metrics.checksShed.inc();
    options.metrics.checks.inc({ verdict: answer.verdict, degraded: String(answer.degraded) });
    for (const reason of answer.reasons) options.metrics.checkReasons.inc({ code: reason.code });
    return reply.status(200).send(answer);
  });
}
