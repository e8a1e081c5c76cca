import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '@backstop/contracts';
import { deadLetterFor, sendDeadLetters, type DeadLetter } from '@backstop/kafka';
import { createIsolatedStack, type IsolatedStack } from '../../test/support/stack';
import { readTopic } from '@backstop/testkit';
import { eventually } from '../../test/support/wait';
import { replayDeadLetters } from './replay-dead-letters';

describe('dead-letter replay', () => {
  let stack: IsolatedStack;
  const letters: DeadLetter[] = [];

  beforeAll(async () => {
    stack = await createIsolatedStack();
    const events = topicName('paymentEvents', stack.topicPrefix);
    const flags = topicName('flags', stack.topicPrefix);
    const letter = (topic: string, consumer: string, key: string, value: Buffer, failedAt: string) => ({
      ...deadLetterFor({ key: Buffer.from(key), value, offset: String(letters.length), timestamp: '0', attributes: 0, headers: {} }, { topic, partition: 0 }, consumer, 'test'),
      failedAt,
    });
    letters.push(
      letter(events, 'detector', 'shop:u1', Buffer.from('{"not":"an event"}'), '2026-01-01T00:00:00.000Z'),
      letter(flags, 'refund-worker', 'shop:u2', Buffer.from([0xff, 0x00, 0x7b]), '2026-01-02T00:00:00.000Z'),
      letter(events, 'detector', 'shop:u3', Buffer.from('{"late":true}'), '2026-01-03T00:00:00.000Z'),
    );
    const producer = stack.kafka.producer();
    await producer.connect();
    await sendDeadLetters(producer, topicName('deadLetter', stack.topicPrefix), letters);
    await producer.disconnect();
  });
  afterAll(async () => { await stack?.close(); }, 60_000);

  it('republishes the original bytes to their source topics, filtered by source, consumer and time', async () => {
    const base = { brokers: stack.brokers, topicPrefix: stack.topicPrefix };
    expect(await replayDeadLetters({ ...base, dryRun: true })).toEqual({ replayed: 3, skipped: 0, unreadable: 0 });
    expect(await replayDeadLetters({ ...base, consumer: 'refund-worker' })).toEqual({ replayed: 1, skipped: 2, unreadable: 0 });
    expect(await replayDeadLetters({ ...base, source: topicName('paymentEvents', stack.topicPrefix), since: new Date('2026-01-02T12:00:00Z') }))
      .toEqual({ replayed: 1, skipped: 2, unreadable: 0 });

    // Markers after the replays: once each arrives, everything replayed before it has too.
    const producer = stack.kafka.producer();
    await producer.connect();
    for (const role of ['flags', 'paymentEvents'] as const) {
      await producer.send({ topic: topicName(role, stack.topicPrefix), messages: [{ key: 'marker', value: 'marker' }] });
    }
    await producer.disconnect();

    const readUntilMarker = async (role: 'flags' | 'paymentEvents') => {
      const reader = await readTopic(stack.kafka, topicName(role, stack.topicPrefix));
      try {
        await eventually(async () => (reader.messages.some((m) => m.key === 'marker') ? true : undefined), { what: `the ${role} marker` });
        return reader.messages.filter((m) => m.key !== 'marker');
      } finally {
        await reader.stop();
      }
    };
    const flags = await readUntilMarker('flags');
    expect(flags).toHaveLength(1);
    expect(flags[0]!.key).toBe('shop:u2');
    expect(flags[0]!.valueBytes).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    const events = await readUntilMarker('paymentEvents');
    expect(events.map((m) => [m.key, m.value])).toEqual([['shop:u3', '{"late":true}']]);
  });
});
