import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { MergeQueues } from './merge-queues';

const message = (offset: number, timestamp: number): KafkaMessage =>
  ({ offset: String(offset), timestamp: String(timestamp), key: null, value: null, attributes: 0, headers: {} }) as KafkaMessage;

async function drain(queues: MergeQueues, size: number): Promise<string[][]> {
  const chunks: string[][] = [];
  for await (const chunk of queues.chunks(size, new AbortController().signal)) chunks.push(chunk.map(({ partition, message: m }) => `${partition}@${m.offset}`));
  return chunks;
}

describe('merging partitions into one order', () => {
  it('orders by timestamp, then partition, whatever order the partitions arrived in, in fixed-size chunks', async () => {
    const arrivals = [
      [0, [message(0, 10), message(1, 30)]],
      [1, [message(0, 10), message(1, 20)]],
    ] as const;
    const results = [];
    for (const order of [arrivals, [...arrivals].reverse()]) {
      const queues = new MergeQueues([0, 1]);
      for (const [partition, messages] of order) queues.push(partition, messages, true);
      results.push(await drain(queues, 3));
    }
    expect(results[0]).toEqual([['0@0', '1@0', '1@1'], ['0@1']]);
    expect(results[1]).toEqual(results[0]);
  });

  it('waits for a partition that has not answered yet rather than cut a chunk early', async () => {
    const queues = new MergeQueues([0, 1]);
    queues.push(0, [message(0, 10), message(1, 11)], true);
    const chunks = drain(queues, 2);
    setTimeout(() => queues.push(1, [message(0, 5)], true), 20);
    expect(await chunks).toEqual([['1@0', '0@0'], ['0@1']]);
  });

  it('makes a reader wait only while it holds plenty and no other partition starves', () => {
    const queues = new MergeQueues([0, 1]);
    queues.push(0, Array.from({ length: 5_000 }, (_, i) => message(i, i)), false);
    expect(queues.mustHold(0)).toBe(false);
    queues.push(1, [message(0, 0)], false);
    expect(queues.mustHold(0)).toBe(true);
  });
});
