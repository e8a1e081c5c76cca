import { Flag, type ConfirmedWarning, type IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import { confirmedWarningOf, type WarningLog } from './check/warning-log';
import { deadLetterFor, type DeadLetter } from '@backstop/kafka';
import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { decodeEvent, deliveryOf, paymentOf } from './decode-event';
import { buildFlag } from './flag-builder';
import type { RulesConfigSource } from './policy/tenant-rules';
import { evaluateRules, type Finding } from './rules';
import { msOf } from './rules/payment-time';
import type { DeliveryRequest, PayerStateStore } from './state/payer-state';
import type { StoredFlags } from './state/stored-flags';
import type { StateLoss } from './state/state-loss';


type Warning = NonNullable<Awaited<ReturnType<WarningLog['find']>>[number]>;

/** What is kept of an event once the rules judged it: its findings, or the flags its first delivery stored. */
type Judged = { kind: 'fresh' | 'redelivered-before-flags'; findings: Finding[] } | { kind: 'redelivered'; stored: StoredFlags };

/** The warnings of pre-payment checks behind the batch's flagged payments that name one, by request index. */
async function warningsFor(
  requests: readonly { ingested: IngestedEvent; payment: PaymentSnapshot }[],
  judged: readonly Judged[],
  log: WarningLog | undefined,
): Promise<Map<number, Warning>> {
  const found = new Map<number, Warning>();
  if (!log) return found;
  const asked = judged.flatMap((judgement, index) => {
    if (judgement.kind === 'redelivered') return [];
    const { ingested, payment } = requests[index]!;
    const flagsItself = judgement.findings.some((finding) => finding.flagged.paymentId === payment.paymentId);
    return payment.intentId && flagsItself ? [{ index, tenantId: ingested.tenantId, payerId: payment.payerId, intentId: payment.intentId }] : [];
  });
  const warnings = await log.find(asked);
  asked.forEach(({ index }, position) => {
    const warning = warnings[position];
    if (warning) found.set(index, warning);
  });
  return found;
}

const withWarning = (flag: Flag, confirmedWarning: ConfirmedWarning): Flag => ({
  ...flag,
  evidence: { ...flag.evidence, informationFlow: { ...flag.evidence.informationFlow, confirmedWarning } },
});

export interface BatchOutcome {
  flags: Flag[];
  /** Each flag as JSON, in the same order: what is published, written once. */
  published: string[];
  deadLetters: DeadLetter[];
  /** What to remember per event once the flags are acknowledged. */
  records: { tenantId: string; payment: PaymentSnapshot; stored: string }[];
  /** Events answered from what their first delivery produced. */
  redelivered: number;
  /** Events older than their payer's newest by more than the allowed lateness. */
  late: number;
}

export interface DetectDeps {
  store: PayerStateStore<StoredFlags>;
  rulesConfig: RulesConfigSource;
  /** Event-time lateness (ms) beyond which an event is counted as late; it is evaluated all the same. */
  allowedLatenessMs: number;
  /**
   * The payers' state was lost and is still being rebuilt: flags whose evidence the loss may
   * have touched are marked, so no one refunds them automatically.
   */
  loss?: StateLoss;
  now?: () => Date;
  /** Where pre-payment checks left their warnings; without it, flags never say a user was warned. */
  warnings?: WarningLog;
}

/** The messages one partition handed over in one fetch. */
export interface SourceBatch {
  messages: readonly KafkaMessage[];
  source: { topic: string; partition: number };
}

/**
 * Runs the batches of one fetch (one per partition, each in offset order) through the payers'
 * state and the rules together: a payer's events all live on one partition, so batches of
 * different partitions never share a payer. Messages that cannot be decoded become dead
 * letters; they never stop a partition. A redelivered event yields exactly the flags its first
 * delivery produced: the stored flags once they were recorded, otherwise the rules rerun on
 * the snapshot the first delivery stored.
 */
export async function detectBatch(batches: readonly SourceBatch[], deps: DetectDeps): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { flags: [], published: [], deadLetters: [], records: [], redelivered: 0, late: 0 };
  const requests: { ingested: IngestedEvent; payment: PaymentSnapshot }[] = [];
  const deliveries: DeliveryRequest[] = [];
  for (const { messages, source } of batches) for (const message of messages) {
    let ingested: IngestedEvent;
    try {
      ingested = decodeEvent(message);
    } catch (error) {
      // Reasons name what is wrong, never quote the bytes: they are logged, and the original
      // message (account numbers and all) stays only in the dead letter itself.
      const reason =
        error instanceof z.ZodError ? `invalid event: ${z.prettifyError(error)}`
        : error instanceof SyntaxError ? 'not valid JSON'
        : error instanceof Error ? error.message
        : String(error);
      outcome.deadLetters.push(deadLetterFor(message, source, 'detector', reason));
      continue;
    }
    const payment = paymentOf(ingested);
    if (payment) requests.push({ ingested, payment });
    const delivery = deliveryOf(ingested);
    if (delivery) deliveries.push(delivery);
  }
  if (requests.length === 0 && deliveries.length === 0) return outcome;

  const configs = await deps.rulesConfig.forTenants(requests.map((r) => r.ingested.tenantId));
  // Judged as each pipeline answers, keeping the findings and not the snapshot: a fetch of
  // thousands of events never holds thousands of payers' histories at once. Flags are built
  // after: a flagged payment confirmed through a pre-payment check needs that check's warning,
  // read for all of the batch's such payments in one round trip.
  const judged = await deps.store.observe(
    requests.map(({ ingested, payment }) => ({ tenantId: ingested.tenantId, payment })),
    deliveries,
    (observation, index): Judged => {
      if (observation.kind === 'redelivered') return observation;
      const { ingested, payment } = requests[index]!;
      const before = observation.snapshot;
      if (before.newestMs - msOf(payment) > deps.allowedLatenessMs) outcome.late += 1;
      const context = { tenantId: ingested.tenantId, payment, marks: ingested.marks, before };
      return { kind: observation.kind, findings: evaluateRules(context, configs.get(ingested.tenantId)!) };
    },
  );
  const flaggedAt = (deps.now?.() ?? new Date()).toISOString();
  const warnings = await warningsFor(requests, judged, deps.warnings);
  judged.forEach((judgement, index) => {
    const { ingested, payment } = requests[index]!;
    if (judgement.kind === 'redelivered') {
      outcome.redelivered += 1;
      outcome.flags.push(...judgement.stored);
      outcome.published.push(...judgement.stored.map((flag) => JSON.stringify(flag)));
      return;
    }
    if (judgement.kind === 'redelivered-before-flags') outcome.redelivered += 1;
    const findings = judgement.findings;
    if (findings.length === 0) {
      outcome.records.push({ tenantId: ingested.tenantId, payment, stored: '[]' });
      return;
    }
    const warning = warnings.get(index);
    const flags = findings
      .map((finding) => buildFlag(ingested.tenantId, finding, ingested.receivedAt, flaggedAt))
      .map((flag) => (warning && payment.intentId && flag.payment.paymentId === payment.paymentId ? withWarning(flag, confirmedWarningOf(payment.intentId, warning, flag.type)) : flag))
      .map((flag) => (deps.loss?.covers(flag) ? { ...flag, stateRebuilding: true as const } : flag));
    const values = flags.map((flag) => JSON.stringify(flag));
    outcome.flags.push(...flags);
    outcome.published.push(...values);
    // The same text as JSON.stringify(flags), from the flags' own JSON.
    outcome.records.push({ tenantId: ingested.tenantId, payment, stored: `[${values.join(',')}]` });
  });
  return outcome;
}
