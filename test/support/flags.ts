import { createHash, randomUUID } from 'node:crypto';
import { Flag, topicName, type FlagType, type PaymentSnapshot, type Severity } from '@backstop/contracts';
import type { Kafka } from 'kafkajs';
import { examplePaymentData, publishFlags } from '@backstop/testkit';

export interface FlagOptions {
  type?: FlagType;
  severity?: Severity;
  payment?: Partial<PaymentSnapshot>;
  observed?: Record<string, unknown>;
  flaggedAt?: Date;
}

/** A valid flag as the detector would publish it, for feeding the refund worker directly. */
export function buildFlag(tenantId: string, options: FlagOptions = {}): Flag {
  const type = options.type ?? 'duplicate.exact';
  const at = options.flaggedAt ?? new Date();
  const suffix = randomUUID().slice(0, 12);
  // A card for an account nobody named: the refund worker's tests judge amounts, not recipients.
  const { recipientAccount: _account, recipientVerified: _verified, ...data } = examplePaymentData(suffix);
  const payment: PaymentSnapshot = { eventId: `evt_${suffix}`, ...data, quantity: 1, occurredAt: at.toISOString(), ...options.payment };
  return Flag.parse({
    v: 1,
    flagId: `flg_${createHash('sha256').update(`${type}|${tenantId}|${payment.paymentId}`).digest('hex').slice(0, 32)}`,
    tenantId,
    type,
    severity: options.severity ?? 'high',
    confidence: 0.99,
    payment,
    evidence: {
      fundFlow: [{ paymentId: payment.paymentId, amount: payment.amount, currency: payment.currency, channel: payment.channel, occurredAt: payment.occurredAt }],
      orderFlow: [{ orderId: payment.orderId, paymentId: payment.paymentId, merchantId: payment.merchantId, kind: payment.kind, quantity: payment.quantity }],
      informationFlow: { rule: type, summary: `${type} on ${payment.paymentId}`, thresholds: {}, observed: options.observed ?? {} },
    },
    receivedAt: at.toISOString(),
    flaggedAt: at.toISOString(),
  });
}

/** A flag with the few details the console's tests vary. */
export function makeFlag(
  tenantId: string,
  options: { type?: FlagType; severity?: Severity; payerId?: string; amount?: number; recipientAccount?: string; flaggedAt?: Date } = {},
): Flag {
  const recipientAccount = options.recipientAccount ?? '8000123456';
  return buildFlag(tenantId, {
    ...(options.type ? { type: options.type } : {}),
    ...(options.severity ? { severity: options.severity } : {}),
    ...(options.flaggedAt ? { flaggedAt: options.flaggedAt } : {}),
    payment: {
      ...(options.payerId ? { payerId: options.payerId } : {}),
      ...(options.amount ? { amount: options.amount, unitPrice: options.amount } : {}),
      recipientAccount,
      recipientVerified: true,
    },
    observed: { recipientAccount },
  });
}

/** Publishes flags to a stack's flags topic, as the detector would. */
export async function sendFlags(kafka: Kafka, topicPrefix: string, flags: Flag[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await publishFlags(producer, topicName('flags', topicPrefix), flags);
  } finally {
    await producer.disconnect();
  }
}
