import { Flag, IngestedEvent, type PaymentSnapshot } from '@backstop/contracts';
import { deadLetterFor, type DeadLetter } from '@backstop/kafka';
import type { KafkaMessage } from 'kafkajs';
import { z } from 'zod';
import { buildFlag } from './flag-builder';
import { rules } from './rules';
import type { PayerStateStore } from './state/payer-state';

export const StoredFlags = z.array(Flag);
export type StoredFlags = z.infer<typeof StoredFlags>;

export interface BatchOutcome {
  flags: Flag[];
  deadLetters: DeadLetter[];
  /** What to remember per event once the flags are acknowledged. */
  records: { tenantId: string; payment: PaymentSnapshot; stored: string }[];
}

function snapshotOf(ingested: IngestedEvent): PaymentSnapshot | undefined {
  const { event } = ingested;
  if (event.type !== 'payment.succeeded') return undefined;
  return { eventId: event.id, ...event.data, occurredAt: event.occurredAt };
}

function decode(message: KafkaMessage): IngestedEvent {
  if (!message.value) throw new Error('empty message');
  return IngestedEvent.parse(JSON.parse(message.value.toString('utf8')));
}

/**
 * Runs one batch of one partition through the payers' state and the rules. Messages that
 * cannot be decoded become dead letters; they never stop the partition.
 */
export async function detectBatch(
  messages: KafkaMessage[],
  source: { topic: string; partition: number },
  store: PayerStateStore<StoredFlags>,
  now: () => Date = () => new Date(),
): Promise<BatchOutcome> {
  const outcome: BatchOutcome = { flags: [], deadLetters: [], records: [] };
  const requests: { ingested: IngestedEvent; payment: PaymentSnapshot }[] = [];
  for (const message of messages) {
    let ingested: IngestedEvent;
    try {
      ingested = decode(message);
    } catch (error) {
      outcome.deadLetters.push(deadLetterFor(message, source, 'detector', error instanceof Error ? error.message : String(error)));
      continue;
    }
    const payment = snapshotOf(ingested);
    if (payment) requests.push({ ingested, payment });
  }

  const observations = await store.observe(requests.map(({ ingested, payment }) => ({ tenantId: ingested.tenantId, payment })));
  const flaggedAt = now().toISOString();
  observations.forEach((observation, index) => {
    const { ingested, payment } = requests[index]!;
    if (observation.kind === 'redelivered') {
      outcome.flags.push(...observation.stored);
      return;
    }
    const context = { tenantId: ingested.tenantId, payment, marks: ingested.marks, before: observation.snapshot };
    const flags = rules.flatMap((rule) => rule(context)).map((finding) => buildFlag(ingested.tenantId, finding, ingested.receivedAt, flaggedAt));
    outcome.flags.push(...flags);
    outcome.records.push({ tenantId: ingested.tenantId, payment, stored: JSON.stringify(flags) });
  });
  return outcome;
}
