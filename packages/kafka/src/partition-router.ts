import { Partitioners, type Admin, type Kafka, type Message, type PartitionMetadata } from 'kafkajs';

export type RoutedMessage = Message & { partition: number };

const hasPartition = (message: Message): message is RoutedMessage => message.partition !== undefined && message.partition !== null;

/** How long a topic's partitions are trusted before they are read again (KafkaJS's own metadata age). */
const METADATA_MAX_AGE_MS = 300_000;

/**
 * Chooses each message's partition before it is sent, exactly as KafkaJS's default partitioner
 * would (a keyed message by the murmur2 hash of its key over the topic's partition count, so
 * a payer's events stay on the partition they always went to; a keyless one round-robin over
 * the partitions with a leader), from the topic's partitions as an admin client reads them.
 * A message that names its partition keeps it. With every partition known before the send,
 * `sendToEveryPartition` can tell a send that reached all of them from one that did not.
 */
export class PartitionRouter {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly topics = new Map<string, { partitions: PartitionMetadata[]; readAt: number }>();
  private admin: Promise<Admin> | undefined;

  constructor(private readonly kafka: Kafka, private readonly now: () => number = Date.now) {}

  async route(topic: string, messages: readonly Message[]): Promise<RoutedMessage[]> {
    if (messages.every(hasPartition)) return [...messages];
    const partitionMetadata = await this.partitionsOf(topic);
    return messages.map((message) => (hasPartition(message) ? message : { ...message, partition: this.partitioner({ topic, partitionMetadata, message }) }));
  }

  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.topics.clear();
    if (admin) await (await admin.catch(() => undefined))?.disconnect();
  }

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.topics.get(topic);
    if (known && this.now() - known.readAt < METADATA_MAX_AGE_MS) return known.partitions;
    const admin = await this.connectedAdmin();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const partitions = topics[0]?.partitions ?? [];
    if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
    this.topics.set(topic, { partitions, readAt: this.now() });
    return partitions;
  }

  private connectedAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    });
    return this.admin;
  }
}
