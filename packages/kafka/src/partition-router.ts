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
  private closed = false;

  constructor(private readonly kafka: Kafka, private readonly now: () => number = Date.now) {}

  async route(topic: string, messages: readonly Message[]): Promise<RoutedMessage[]> {
    if (messages.every(hasPartition)) return [...messages];
    const partitionMetadata = await this.partitionsOf(topic);
    return messages.map((message) => (hasPartition(message) ? message : { ...message, partition: this.partitioner({ topic, partitionMetadata, message }) }));
  }

  /** Reads the topic's partitions again at its next send: a send left some of them unanswered. */
  forget(topic: string): void {
    this.topics.delete(topic);
  }

  /** Lets `route` read partitions again after `close`. */
  open(): void {
    this.closed = false;
  }

  /**
   * Disconnects the admin client. One still connecting is disconnected once it has: closing
   * never waits out the retries of a connect to an absent broker.
   */
  async close(): Promise<void> {
    this.closed = true;
    const admin = this.admin;
    this.admin = undefined;
    this.topics.clear();
    void admin?.then((connected) => connected.disconnect()).catch(() => undefined);
  }

  private async partitionsOf(topic: string): Promise<PartitionMetadata[]> {
    const known = this.topics.get(topic);
    if (known && this.now() - known.readAt < METADATA_MAX_AGE_MS) return known.partitions;
    try {
      const { topics } = await (await this.connectedAdmin()).fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length === 0) throw new Error(`topic ${topic} has no partitions`);
      this.topics.set(topic, { partitions, readAt: this.now() });
      return partitions;
    } catch (error) {
      // A leader election or an outage under way fails the read; partitions are only ever
      // added, so the ones read before still route every message to a partition that exists.
      if (known) return known.partitions;
      throw error;
    }
  }

  private connectedAdmin(): Promise<Admin> {
    if (this.closed) return Promise.reject(new Error('The producer is disconnected'));
    if (this.admin) return this.admin;
    const admin = this.kafka.admin();
    const connected = admin.connect().then(
      () => admin,
      (error: unknown) => {
        if (this.admin === connected) this.admin = undefined;
        void admin.disconnect().catch(() => undefined);
        throw error;
      },
    );
    this.admin = connected;
    return connected;
  }
}
