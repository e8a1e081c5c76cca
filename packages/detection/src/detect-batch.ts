import { Flag, type IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import { deadLetterFor, type DeadLetter } from '@backstop/kafka';
import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { decodeEvent, deliveryOf, paymentOf } from './decode-event';
import { buildFlag } from './flag-builder';
import type { RulesConfigSource } from './policy/tenant-rules';
import { evaluateRules } from './rules';
import { msOf } from './rules/payment-time';
import type { DeliveryRequest, PayerStateStore } from './state/payer-state';
import type { StoredFlags } from './state/stored-flags';


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
  /** The payers' state was lost and is still being rebuilt: flags are marked so no one refunds them automatically. */
  rebuilding?: boolean;
  now?: () => Date;
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
  const observations = await deps.store.observe(requests.map(({ ingested, payment }) => ({ tenantId: ingested.tenantId, payment })), deliveries);
  const flaggedAt = (deps.now?.() ?? new Date()).toISOString();
  observations.forEach((observation, index) => {
    const { ingested, payment } = requests[index]!;
    if (observation.kind === 'redelivered') {
      outcome.redelivered += 1;
      outcome.flags.push(...observation.stored);
      outcome.published.push(...observation.stored.map((flag) => JSON.stringify(flag)));
      return;
    }
    if (observation.kind === 'redelivered-before-flags') outcome.redelivered += 1;
    const before = observation.snapshot;
    if (before.newestMs - msOf(payment) > deps.allowedLatenessMs) outcome.late += 1;
    const context = { tenantId: ingested.tenantId, payment, marks: ingested.marks, before };
    const findings = evaluateRules(context, configs.get(ingested.tenantId)!);
    if (findings.length === 0) {
      outcome.records.push({ tenantId: ingested.tenantId, payment, stored: '[]' });
      return;
    }
    const flags = findings
      .map((finding) => buildFlag(ingested.tenantId, finding, ingested.receivedAt, flaggedAt))
      .map((flag) => (deps.rebuilding ? { ...flag, stateRebuilding: true as const } : flag));
    const values = flags.map((flag) => JSON.stringify(flag));
    outcome.flags.push(...flags);
    outcome.published.push(...values);
    // The same text as JSON.stringify(flags), from the flags' own JSON.
    outcome.records.push({ tenantId: ingested.tenantId, payment, stored: `[${values.join(',')}]` });
  });
  return outcome;
}
