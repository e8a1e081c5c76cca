import type { Admin } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';
import { alertedMetrics } from './names';

/**
 * Consumer lag per partition (the topic's end offset minus the group's committed offset),
 * read from the broker when Prometheus scrapes. A slow dependency shows up here as growing
 * lag instead of as dropped or buffered work.
 */
export function registerConsumerLag(registry: Registry, admin: Admin, groupId: string, topic: string): Gauge {
  return new Gauge({
    name: alertedMetrics.consumerLag,
    help: 'Messages in the topic not yet committed by the consumer group',
    labelNames: ['group', 'topic', 'partition'],
    registers: [registry],
    async collect() {
      try {
        const [ends, committed] = await Promise.all([
          admin.fetchTopicOffsets(topic),
          admin.fetchOffsets({ groupId, topics: [topic] }),
        ]);
        const committedByPartition = new Map(
          (committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
        );
        for (const end of ends) {
          const done = committedByPartition.get(end.partition) ?? -1n;
          const start = BigInt(end.low);
          const position = done < 0n ? start : done;
          this.set({ group: groupId, topic, partition: String(end.partition) }, Number(BigInt(end.high) - position));
        }
      } catch {
        // The broker is unreachable: keep the last values rather than fail the scrape.
      }
    },
  });
}
