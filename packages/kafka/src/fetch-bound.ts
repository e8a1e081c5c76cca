import type { ConsumerConfig } from 'kafkajs';

/**
 * Bounds what one fetch from one broker may bring in: at most `partitionBytes` of each
 * partition, and `partitionsAtOnce` partitions' worth in all. KafkaJS decodes a whole fetch
 * before handing it over and holds it until every batch in it is handled, so these bytes,
 * decoded and parsed several times over, are what a consumer's heap holds on top of its own
 * work when a backlog waits. The bound is per broker (each broker is fetched from on its
 * own), and is rounded up to whole record batches: a broker always returns a partition's
 * first batch whole, however large, so a consumer never stalls on one.
 */
export function fetchBound(partitionBytes: number, partitionsAtOnce: number): Pick<ConsumerConfig, 'maxBytesPerPartition' | 'maxBytes'> {
  return { maxBytesPerPartition: partitionBytes, maxBytes: partitionBytes * partitionsAtOnce };
}
