import { randomUUID } from 'node:crypto';
import { Flag, topicName, type PaymentData, type WebhookEvent } from '@backstop/contracts';
import { ACKS_ALL, createIdempotentProducer } from '@backstop/kafka';
import type { Kafka, Producer } from 'kafkajs';
import type { IsolatedStack } from './stack';
import { publishEvents, readTopic, type ReadMessage } from '@backstop/testkit';
import { eventually } from './wait';
import { paymentEvent, uniqueId } from './webhooks';

/**
 * Talks to a detector the way ingest does, straight through Kafka: accepted events go onto
 * the events topic keyed by tenant:payer, flags are read back from the flags topic.
 */
export interface DetectorHarness {
  publish(events: WebhookEvent[]): Promise<void>;
  /** Bytes that are not an accepted event, for the dead-letter path. */
  publishRaw(key: string, value: string): Promise<void>;
  flags(): Flag[];
  flagsOfPayer(payerId: string): Flag[];
  /**
   * Proves the detector is done with everything published for `payerId` so far: publishes an
   * order paid twice far later in event time (same payer, so the same partition and order)
   * and waits for its flag. Returns the marker's flagged payment id.
   */
  marker(payerId: string, at: Date, data?: Partial<PaymentData>): Promise<string>;
  deadLetters(): ReadMessage[];
  close(): Promise<void>;
}

export async function detectorHarness(stack: IsolatedStack, tenantId: string): Promise<DetectorHarness> {
  const producer: Producer = createIdempotentProducer(stack.kafka as Kafka);
  await producer.connect();
  const flagsReader = await readTopic(stack.kafka, topicName('flags', stack.topicPrefix));
  const deadLetterReader = await readTopic(stack.kafka, topicName('deadLetter', stack.topicPrefix));
  const eventsTopic = topicName('paymentEvents', stack.topicPrefix);
  const parsedFlags = () => flagsReader.messages.map((m) => Flag.parse(JSON.parse(m.value)));

  const harness: DetectorHarness = {
    async publish(events) {
      await publishEvents(producer, eventsTopic, tenantId, events);
    },
    async publishRaw(key, value) {
      await producer.send({ topic: eventsTopic, acks: ACKS_ALL, messages: [{ key, value }] });
    },
    flags: parsedFlags,
    flagsOfPayer: (payerId) => parsedFlags().filter((flag) => flag.payment.payerId === payerId),
    async marker(payerId, at, data = {}) {
      const orderId = uniqueId('ord_marker');
      const first = paymentEvent({ payerId, orderId, ...data }, at);
      const second = paymentEvent({ payerId, orderId, ...data }, new Date(at.getTime() + 1000));
      await harness.publish([first, second]);
      const markerPaymentId = second.type === 'payment.succeeded' ? second.data.paymentId : '';
      await eventually(async () => (parsedFlags().some((f) => f.payment.paymentId === markerPaymentId && f.type === 'duplicate.exact') ? true : undefined), {
        timeoutMs: 60_000,
        what: `the marker flag for ${payerId}`,
      });
      return markerPaymentId;
    },
    deadLetters: () => deadLetterReader.messages,
    async close() {
      await flagsReader.stop();
      await deadLetterReader.stop();
      await producer.disconnect();
    },
  };
  return harness;
}

/** The flags of a payer other than its markers', as [type, flagged payment id] pairs. */
export function verdicts(flags: Flag[], markerPaymentIds: readonly string[] = []): [string, string][] {
  return flags
    .filter((flag) => !markerPaymentIds.includes(flag.payment.paymentId))
    .map((flag): [string, string] => [flag.type, flag.payment.paymentId])
    .sort((a, b) => a.join().localeCompare(b.join()));
}

export const newPayer = () => `u_${randomUUID().slice(0, 12)}`;
