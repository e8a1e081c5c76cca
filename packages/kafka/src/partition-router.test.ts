import { describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { scratchTopic } from '../../../test/support/scratch-topic';
import { PartitionRouter } from './partition-router';
import { readToEnd } from './read-to-end';

describe('choosing partitions before a send, on a real broker', () => {
  const scratch = scratchTopic('partition-router', 5);

  it('puts every keyed message where KafkaJS\'s own partitioner puts it, so a payer keeps its partition', async () => {
    const { kafka, topic } = scratch;
    const keys = Array.from({ length: 200 }, (_, i) => `tenant:payer-${i}`);
    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await plain.connect();
    await plain.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value: key })) });
    await plain.disconnect();
    const whereKafkaJsPutIt = new Map<string, number>();
    await readToEnd(kafka, topic, (value, partition) => whereKafkaJsPutIt.set(value!, partition));

    const router = new PartitionRouter(kafka);
    try {
      const routed = await router.route(topic, keys.map((key) => ({ key, value: key })));
      expect(new Set(routed.map((message) => message.partition)).size).toBe(5);
      expect(routed.map((message) => [message.key, message.partition])).toEqual(keys.map((key) => [key, whereKafkaJsPutIt.get(key)]));
    } finally {
      await router.close();
    }
  });

  it('keeps a partition the message names, and gives a keyless message one of the topic\'s partitions', async () => {
    const router = new PartitionRouter(scratch.kafka);
    try {
      const [named, keyless] = await router.route(scratch.topic, [{ key: 'tenant:payer-0', value: 'named', partition: 4 }, { value: 'keyless' }]);
      expect(named!.partition).toBe(4);
      expect([0, 1, 2, 3, 4]).toContain(keyless!.partition);
    } finally {
      await router.close();
    }
  });
});
