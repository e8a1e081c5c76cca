import { createHash, randomUUID } from 'node:crypto';
import { partitionKey, topicName, type Flag, type FlagType, type Severity } from '@backstop/contracts';
import { ACKS_ALL } from '@backstop/kafka';
import type { Kafka } from 'kafkajs';
import { uniqueId } from './webhooks';

/** A valid flag as the detector would publish it, for tests of what comes after the detector. */
export function makeFlag(
  tenantId: string,
  options: { type?: FlagType; severity?: Severity; payerId?: string; amount?: number; recipientAccount?: string; flaggedAt?: Date } = {},
): Flag {
  const flaggedAt = options.flaggedAt ?? new Date();
  const payment = {
    eventId: uniqueId('evt'),
    paymentId: uniqueId('pay'),
    orderId: uniqueId('ord'),
    payerId: options.payerId ?? uniqueId('u'),
    merchantId: 'm_cardshop',
    kind: 'purchase' as const,
    sku: 'genshin-welkin-30d',
    category: 'game-card',
    quantity: 1,
    unitPrice: options.amount ?? 3000,
    amount: options.amount ?? 3000,
    currency: 'CNY',
    recipientAccount: options.recipientAccount ?? '8000123456',
    recipientVerified: true,
    channel: 'alipay',
    occurredAt: new Date(flaggedAt.getTime() - 1000).toISOString(),
  };
  const type = options.type ?? 'duplicate.exact';
  return {
    v: 1,
    flagId: `flg_${createHash('sha256').update(randomUUID()).digest('hex').slice(0, 32)}`,
    tenantId,
    type,
    severity: options.severity ?? 'high',
    confidence: 0.95,
    payment,
    evidence: {
      fundFlow: [{ paymentId: payment.paymentId, amount: payment.amount, currency: 'CNY', channel: 'alipay', occurredAt: payment.occurredAt }],
      orderFlow: [{ orderId: payment.orderId, paymentId: payment.paymentId, merchantId: payment.merchantId, kind: 'purchase', quantity: 1, recipientAccount: payment.recipientAccount }],
      informationFlow: { rule: type, summary: `test ${type}`, thresholds: {}, observed: { recipientAccount: payment.recipientAccount } },
    },
    receivedAt: new Date(flaggedAt.getTime() - 20).toISOString(),
    flaggedAt: flaggedAt.toISOString(),
  };
}

export async function publishFlags(kafka: Kafka, topicPrefix: string, flags: Flag[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic: topicName('flags', topicPrefix),
      acks: ACKS_ALL,
      messages: flags.map((flag) => ({ key: partitionKey(flag.tenantId, flag.payment.payerId), value: JSON.stringify(flag) })),
    });
  } finally {
    await producer.disconnect();
  }
}
