import { Partitioners, type Kafka, type Producer } from 'kafkajs';

/**
 * An idempotent producer: the broker drops a retried batch it already appended, so a retry
 * after a lost acknowledgement never writes a message twice. Sends use acks from every
 * in-sync replica.
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
  });
}

export const ACKS_ALL = -1;
