import { describe, expect, it } from 'vitest';
import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { describeUnsent, sendToEveryPartition, type RoutedBatch } from './send-to-every-partition';

/**
 * What KafkaJS 2.2.4 answers after a leader change inside one send: acknowledgements for the
 * partitions it wrote, and nothing for a partition whose new leader had already answered.
 * The producer here answers as KafkaJS did, leaving out the partitions it is told to.
 */
function producerLeavingOut(partitionsLeftOut: number[], sent: ProducerBatch[]): Producer {
  return {
    sendBatch: async (batch: ProducerBatch) => {
      sent.push(batch);
      return (batch.topicMessages ?? []).flatMap(({ topic, messages }) =>
        [...new Set(messages.map((message) => message.partition!))]
          .filter((partition) => !partitionsLeftOut.includes(partition))
          .map((partition): RecordMetadata => ({ topicName: topic, partition, errorCode: 0, baseOffset: '0' })),
      );
    },
  } as unknown as Producer;
}

const batch: RoutedBatch = {
  acks: -1,
  topicMessages: [{ topic: 'flags', messages: [0, 1, 2, 1].map((partition, i) => ({ key: `payer-${i}`, value: `flag-${i}`, partition })) }],
};

describe('a send that must reach every partition it has messages for', () => {
  it('sends the messages of a partition left out again, under the next producer, and only those', async () => {
    const firstSends: ProducerBatch[] = [];
    const nextSends: ProducerBatch[] = [];
    const told: string[] = [];
    const answers = await sendToEveryPartition(producerLeavingOut([1], firstSends), batch, async (unsent, followUp) => {
      told.push(`${followUp}: ${describeUnsent(unsent)}`);
      return producerLeavingOut([], nextSends);
    });

    expect(told).toEqual(['1: flags [1]']);
    expect(nextSends).toHaveLength(1);
    expect(nextSends[0]!.topicMessages![0]!.messages.map((message) => message.value)).toEqual(['flag-1', 'flag-3']);
    expect(answers.map((answer) => answer.partition).sort()).toEqual([0, 1, 2]);
  });

  it('resolves after one send when every partition acknowledged', async () => {
    const sends: ProducerBatch[] = [];
    const answers = await sendToEveryPartition(producerLeavingOut([], sends), batch, async () => {
      throw new Error('no next producer is needed');
    });
    expect(sends).toHaveLength(1);
    expect(answers).toHaveLength(3);
  });

  it('fails, naming the partitions, when they are never acknowledged', async () => {
    const sends: ProducerBatch[] = [];
    const stubborn = producerLeavingOut([2], sends);
    const followUps: number[] = [];
    await expect(sendToEveryPartition(stubborn, batch, async (_, followUp) => {
      followUps.push(followUp);
      return stubborn;
    })).rejects.toThrow('Kafka did not acknowledge partitions after 6 sends: flags [2]');
    expect(sends).toHaveLength(6);
    expect(followUps).toEqual([1, 2, 3, 4, 5]);
  });

  it('sends once without checking when no acknowledgement was asked for', async () => {
    const sends: ProducerBatch[] = [];
    expect(await sendToEveryPartition(producerLeavingOut([0, 1, 2], sends), { ...batch, acks: 0 }, async () => {
      throw new Error('no next producer is needed');
    })).toEqual([]);
    expect(sends).toHaveLength(1);
  });
});
