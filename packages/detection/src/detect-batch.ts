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
import type { PayerSnapshot } from './state/payer-snapshot';
import type { StoredFlags } from './state/stored-flags';
import type { StateLoss } from './state/state-loss';


type Warning = NonNullable<Awaited<ReturnType<WarningLog['find']>>[number]>;

/**
 * What is kept of an event once the rules judged it: its findings and its payer's newest event
 * time before it, or the flags its first delivery stored, or, for a payment judged from the
 * store's copy of its payer, only that it was (its flags were built before it was recorded).
 */
type Judged =
  | { kind: 'fresh' | 'redelivered-before-flags'; findings: Finding[]; newestMs: number }
  | { kind: 'redelivered'; stored: StoredFlags }
  | { kind: 'judged-ahead' };

/** The warnings of pre-payment checks behind the batch's flagged payments that name one, by request index. */
async function warningsFor(
  requests: readonly { ingested: IngestedEvent; payment: PaymentSnapshot }[],
  judged: readonly (Judged | undefined)[],
  log: WarningLog | undefined,
): Promise<Map<number, Warning>> {
  const found = new Map<number, Warning>();
  if (!log) return found;
  const asked = judged.flatMap((judgement, index) => {
    if (judgement === undefined || judgement.kind === 'redelivered' || judgement.kind === 'judged-ahead') return [];
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
  // When the detector picked the batch up: every flag of the batch carries it.
  const flaggedAt = (deps.now?.() ?? new Date()).toISOString();
  const judge = (kind: 'fresh' | 'redelivered-before-flags', before: PayerSnapshot, index: number): Judged => {
    const { ingested, payment } = requests[index]!;
    const context = { tenantId: ingested.tenantId, payment, marks: ingested.marks, before };
    return { kind, findings: evaluateRules(context, configs.get(ingested.tenantId)!), newestMs: before.newestMs };
  };
  const flagsOf = (index: number, findings: readonly Finding[], warning: Warning | undefined) => {
    const { ingested, payment } = requests[index]!;
    const flags = findings
      .map((finding) => buildFlag(ingested.tenantId, finding, ingested.receivedAt, flaggedAt))
      .map((flag) => (warning && payment.intentId && flag.payment.paymentId === payment.paymentId ? withWarning(flag, confirmedWarningOf(payment.intentId, warning, flag.type)) : flag))
      .map((flag) => (deps.loss?.covers(flag) ? { ...flag, stateRebuilding: true as const } : flag));
    const values = flags.map((flag) => JSON.stringify(flag));
    // The same text as JSON.stringify(flags), from the flags' own JSON.
    return { flags, values, stored: `[${values.join(',')}]` };
  };
  const storeRequests = requests.map(({ ingested, payment }) => ({ tenantId: ingested.tenantId, payment }));

  // Payments whose payer the store holds a current copy of are judged first and recorded with
  // their flags in the same call that records them; the rest are judged as their pipeline
  // answers with the state read back, keeping the findings and not the snapshot: a fetch of
  // thousands of events never holds thousands of payers' histories at once. A flagged payment
  // confirmed through a pre-payment check needs that check's warning, read for all of a
  // phase's such payments in one round trip.
  const ahead: (Judged | undefined)[] = new Array(requests.length);
  const plan = await deps.store.plan(storeRequests, deliveries, (before, index) => {
    ahead[index] = judge('fresh', before, index);
  });
  const aheadFlags = new Map<number, ReturnType<typeof flagsOf> & { newestMs: number }>();
  try {
    const aheadWarnings = await warningsFor(requests, ahead, deps.warnings);
    ahead.forEach((judgement, index) => {
      if (judgement?.kind !== 'fresh') return;
      const built = flagsOf(index, judgement.findings, aheadWarnings.get(index));
      aheadFlags.set(index, { ...built, newestMs: judgement.newestMs });
      plan.judged(index, built.stored);
    });
  } catch (error) {
    deps.store.abandon(plan);
    throw error;
  }
  const judged = await deps.store.observe(storeRequests, deliveries, (observation, index): Judged => {
    if (observation.kind === 'redelivered' || observation.kind === 'judged-ahead') return observation;
    return judge(observation.kind, observation.snapshot, index);
  }, plan);
  const warnings = await warningsFor(requests, judged, deps.warnings);
  judged.forEach((judgement, index) => {
    const { ingested, payment } = requests[index]!;
    if (judgement.kind === 'redelivered') {
      outcome.redelivered += 1;
      outcome.flags.push(...judgement.stored);
      outcome.published.push(...judgement.stored.map((flag) => JSON.stringify(flag)));
      return;
    }
    const newestMs = judgement.kind === 'judged-ahead' ? aheadFlags.get(index)!.newestMs : judgement.newestMs;
    if (newestMs - msOf(payment) > deps.allowedLatenessMs) outcome.late += 1;
    if (judgement.kind === 'judged-ahead') {
      // Recorded with its flags already: nothing to remember after they are sent.
      const built = aheadFlags.get(index)!;
      outcome.flags.push(...built.flags);
      outcome.published.push(...built.values);
      return;
    }
    if (judgement.kind === 'redelivered-before-flags') outcome.redelivered += 1;
    if (judgement.findings.length === 0) {
      outcome.records.push({ tenantId: ingested.tenantId, payment, stored: '[]' });
      return;
    }
    const built = flagsOf(index, judgement.findings, warnings.get(index));
    outcome.flags.push(...built.flags);
    outcome.published.push(...built.values);
    outcome.records.push({ tenantId: ingested.tenantId, payment, stored: built.stored });
  });
  return outcome;
}
