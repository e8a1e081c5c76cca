import { randomUUID } from 'node:crypto';
import type { Histogram } from 'hdr-histogram-js';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Pool } from '@backstop/postgres';
import { latencyHistogram } from '../lib/latency';

interface DetectionStep {
  from: number;
  to: number;
  histogram: Histogram;
  /** The two halves of each latency: accepted → the detector picked its batch up (flaggedAt), then → flag on Kafka. */
  toDetector: Histogram;
  inDetector: Histogram;
  flagIds: Set<string>;
  /** Each flag's receivedAt and the detector's pickup, for splitting "to detector" once the events are read. */
  pickups: { receivedAt: string; flaggedAt: number }[];
}

/** The first half of detection latency split again, at the moment ingest's producer sent the event to Kafka. */
export interface IngestAndKafkaWaits {
  /** Accepted → the produce request carrying the event was built (the record's timestamp): ingest's Redis call, gathering and its wait for the send before. */
  inIngest: Histogram;
  /** → the detector picked the event's batch up: the broker's acknowledgement, the detector's fetch and its pass before. */
  kafkaToDetector: Histogram;
}

const RECEIVED_AT = Buffer.from('"receivedAt":"');

/**
 * An accepted event's receivedAt, read from its first bytes without parsing the rest: the
 * bench reads every event beside the pipeline and must not become its load.
 */
export function receivedAtOf(value: Buffer): string | undefined {
  const at = value.indexOf(RECEIVED_AT);
  if (at < 0 || at > 256) return undefined;
  const start = at + RECEIVED_AT.length;
  const end = value.indexOf(0x22, start);
  return end > start ? value.toString('latin1', start, end) : undefined;
}

/**
 * Detection latency as the pipeline defines it: from ingest accepting the event (the flag's
 * `receivedAt`) to the flag being written to Kafka (the record's timestamp, set by the
 * detector's producer). Each flag counts once, in the step its event was received in.
 */
export class DetectionLatencyWatcher {
  private consumer: Consumer | undefined;
  private readonly steps: DetectionStep[] = [];
  /** When ingest's producer sent the events accepted at each receivedAt (one request's events share it and go out in one send). */
  private readonly sentAt = new Map<string, number>();

  /** With `eventsTopic`, the watcher also reads the accepted events, to split "to detector" (`ingestAndKafka`). */
  constructor(private readonly kafka: Kafka, private readonly topic: string, private readonly eventsTopic?: string) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.eventsTopic ? [this.topic, this.eventsTopic] : [this.topic], fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
        if (batch.topic === this.eventsTopic) {
          for (const message of batch.messages) {
            const receivedAt = message.value ? receivedAtOf(message.value) : undefined;
            if (receivedAt !== undefined && !this.sentAt.has(receivedAt)) this.sentAt.set(receivedAt, Number(message.timestamp));
          }
          return;
        }
        for (const message of batch.messages) {
          const flag = JSON.parse(message.value?.toString('utf8') ?? '{}') as { flagId?: string; receivedAt?: string; flaggedAt?: string };
          if (!flag.flagId || !flag.receivedAt) continue;
          const receivedAt = Date.parse(flag.receivedAt);
          const step = this.steps.find((s) => receivedAt >= s.from && receivedAt < s.to);
          if (!step || step.flagIds.has(flag.flagId)) continue;
          step.flagIds.add(flag.flagId);
          step.histogram.recordValue(Math.max(1, (Number(message.timestamp) - receivedAt) * 1000));
          const flaggedAt = flag.flaggedAt ? Date.parse(flag.flaggedAt) : undefined;
          if (flaggedAt !== undefined) {
            step.toDetector.recordValue(Math.max(1, (flaggedAt - receivedAt) * 1000));
            step.inDetector.recordValue(Math.max(1, (Number(message.timestamp) - flaggedAt) * 1000));
            step.pickups.push({ receivedAt: flag.receivedAt, flaggedAt });
          }
        }
      },
    });
  }

  /** Starts collecting flags whose events arrive from now until `stop` is called on the result. */
  beginStep(): { histogram: Histogram; toDetector: Histogram; inDetector: Histogram; end: () => void; ingestAndKafka: () => IngestAndKafkaWaits } {
    const step: DetectionStep = {
      from: Date.now(), to: Number.MAX_SAFE_INTEGER, histogram: latencyHistogram(),
      toDetector: latencyHistogram(), inDetector: latencyHistogram(), flagIds: new Set<string>(), pickups: [],
    };
    this.steps.push(step);
    return {
      histogram: step.histogram, toDetector: step.toDetector, inDetector: step.inDetector,
      end: () => { step.to = Date.now(); },
      ingestAndKafka: () => this.splitToDetector(step),
    };
  }

  /** "To detector" of the step's flags split at the send; a flag whose event was not read yet is left out. */
  private splitToDetector(step: DetectionStep): IngestAndKafkaWaits {
    const waits: IngestAndKafkaWaits = { inIngest: latencyHistogram(), kafkaToDetector: latencyHistogram() };
    for (const { receivedAt, flaggedAt } of step.pickups) {
      const sent = this.sentAt.get(receivedAt);
      if (sent === undefined) continue;
      waits.inIngest.recordValue(Math.max(1, (sent - Date.parse(receivedAt)) * 1000));
      waits.kafkaToDetector.recordValue(Math.max(1, (flaggedAt - sent) * 1000));
    }
    return waits;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Refund latency: event accepted → refund decision committed, from Postgres's own clocks. */
export async function refundLatency(pool: Pool, tenantId: string, from: Date, to: Date): Promise<Histogram> {
  const histogram = latencyHistogram();
  const result = await pool.query<{ us: number }>(
    `SELECT greatest(1, extract(epoch FROM d.created_at - f.received_at) * 1000000)::bigint AS us
       FROM refund_decisions d JOIN flags f ON f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id
      WHERE d.tenant_id = $1 AND f.received_at >= $2 AND f.received_at < $3`,
    [tenantId, from, to],
  );
  for (const row of result.rows) histogram.recordValue(Number(row.us));
  return histogram;
}

/** Samples a consumer group's total lag on a topic, keeping the largest value seen. */
export class LagSampler {
  private timer: NodeJS.Timeout | undefined;
  max = 0;
  last = 0;

  constructor(private readonly admin: Admin, private readonly groupId: string, private readonly topic: string, private readonly everyMs = 500) {}

  async sample(): Promise<number> {
    const [ends, committed] = await Promise.all([
      this.admin.fetchTopicOffsets(this.topic),
      this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
    ]);
    const done = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    this.last = ends.reduce((sum, end) => sum + Number(end.high) - Math.max(Number(end.low), done.get(end.partition) ?? 0), 0);
    this.max = Math.max(this.max, this.last);
    return this.last;
  }

  start(): void {
    this.max = 0;
    this.timer = setInterval(() => void this.sample().catch(() => undefined), this.everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
