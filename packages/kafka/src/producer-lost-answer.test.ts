import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Kafka, logLevel, type Admin, type ISocketFactory } from 'kafkajs';
import { readTopic } from '../../testkit/src/topic-reader';
import { eventually } from '../../../test/support/wait';
import { ACKS_ALL, createIdempotentProducer } from './producer';

/**
 * A client whose sockets can be told to drop what the broker answers, as a link that dies
 * after the request went out would: the broker appends the batch, the producer never hears.
 */
function deafeningClient(brokers: string[]) {
  let deaf = false;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket: Socket = connect({ host, port }, onConnect);
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => (event === 'data' && deaf ? false : emit(event, ...args))) as Socket['emit'];
    return socket;
  };
  const kafka = new Kafka({ clientId: 'lost-answer-test', brokers, socketFactory, requestTimeout: 2_000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 200 }, logLevel: logLevel.NOTHING });
  return { kafka, deafen: (on: boolean) => void (deaf = on) };
}

describe('an idempotent producer after a send whose answer was lost', () => {
  const topic = `lost-answer-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const brokers = inject('kafkaBrokers');
  // Admin and reader hear every answer: only the producer's link is made to fail.
  const plain = new Kafka({ clientId: 'lost-answer-reader', brokers, logLevel: logLevel.NOTHING });
  let admin: Admin;

  beforeAll(async () => {
    admin = plain.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  });

  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
  });

  it('writes the next, different message instead of the broker taking it for the unanswered one', async () => {
    const { kafka, deafen } = deafeningClient(brokers);
    const producer = createIdempotentProducer(kafka);
    await producer.connect();
    const send = (value: string) => producer.send({ topic, acks: ACKS_ALL, messages: [{ partition: 0, value }] });
    const reader = await readTopic(plain, topic);
    try {
      await send('first');
      deafen(true);
      await expect(send('unanswered')).rejects.toThrow();
      deafen(false);
      // The fault did what it claims: the broker appended the batch whose answer was dropped.
      await eventually(async () => (reader.messages.some((m) => m.value === 'unanswered') ? true : undefined), { timeoutMs: 60_000, what: 'the unanswered batch on the topic' });

      // Same partition, same size as the unanswered batch: under the sequence numbers KafkaJS
      // gave back, the broker would answer "appended" for it and drop it.
      await send('next');
      await send('marker');
      await eventually(async () => (reader.messages.some((m) => m.value === 'marker') ? true : undefined), { timeoutMs: 60_000, what: 'the marker on the topic' });
      expect(reader.messages.map((m) => m.value)).toEqual(['first', 'unanswered', 'next', 'marker']);
    } finally {
      await reader.stop();
      await producer.disconnect();
    }
  });
});
