import type { KafkaMessage } from 'kafkajs';
import type { IngestedEvent, PaymentSnapshot } from '@backstop/contracts';
import { decodeEvent, deliveryOf, paymentOf, type DeliveryRequest, type PayerStateStore } from '@backstop/detection';

/**
 * What a replayed event's entry says it produced. Replayed events were judged before the loss
 * and their flags published (see planReplay), so a later redelivery has nothing to add.
 */
const FLAGS_ALREADY_PUBLISHED = '[]';

export interface ReplayedBatch {
  /** Payments put back into their payers' windows. */
  restored: number;
  /** Payments the state already had (observed live since the loss, or by an earlier attempt). */
  known: number;
  /**
   * Messages that carry no payment: other event types, and what the live consumer
   * dead-lettered. Deliveries among them are put back all the same (idempotently).
   */
  skipped: number;
}

/**
 * Puts already-judged events back into their payers' windows through the same observe path as
 * live traffic (idempotent per event id, sku prices keyed by payment id), and raises no flags.
 * The snapshot observe leaves under each event id is replaced at once by an empty list of
 * flags: it only serves to judge a redelivery exactly as the first delivery was judged, and
 * keeping one per replayed event would cost tens of KB per busy payer.
 */
export async function replayBatch(messages: readonly KafkaMessage[], store: PayerStateStore<unknown>): Promise<ReplayedBatch> {
  const requests: { tenantId: string; payment: PaymentSnapshot }[] = [];
  const deliveries: DeliveryRequest[] = [];
  let skipped = 0;
  for (const message of messages) {
    const ingested = decoded(message);
    const payment = ingested && paymentOf(ingested);
    const delivery = ingested && deliveryOf(ingested);
    if (payment) requests.push({ tenantId: ingested.tenantId, payment });
    else skipped += 1;
    if (delivery) deliveries.push(delivery);
  }
  const observations = await store.observe(requests, deliveries);
  const restored = requests.filter((_, index) => observations[index]!.kind === 'fresh');
  await store.record(restored.map((request) => ({ ...request, stored: FLAGS_ALREADY_PUBLISHED })));
  return { restored: restored.length, known: requests.length - restored.length, skipped };
}

function decoded(message: KafkaMessage): IngestedEvent | undefined {
  try {
    return decodeEvent(message);
  } catch {
    return undefined;
  }
}
