import type { ConsumerConfig } from 'kafkajs';

/**
 * Bounds what one fetch may bring in: at most `partitionBytes` of each partition, and no more
 * than `partitionsAtOnce` such partitions' worth in all. KafkaJS decodes a whole fetch before
 * handing it over and holds it until every batch in it is handled, so these bytes, decoded and
 * parsed several times over, are what a consumer's heap must hold on top of its own work when
 * a backlog waits. Kafka still hands over a message larger than the bound, one at a time.
 */
export function fetchBound(partitionBytes: number, partitionsAtOnce: number): Pick<ConsumerConfig, 'maxBytesPerPartition' | 'maxBytes'> {
  return { maxBytesPerPartition: partitionBytes, maxBytes: partitionBytes * Math.max(1, partitionsAtOnce) };
}
