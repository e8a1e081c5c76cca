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
}

/**
 * Detection latency as the pipeline defines it: from ingest accepting the event (the flag's
 * `receivedAt`) to the flag being written to Kafka (the record's timestamp, set by the
 * detector's producer). Each flag counts once, in the step its event was received in.
 */
export class DetectionLatencyWatcher {
  private consumer: Consumer | undefined;
  private readonly steps: DetectionStep[] = [];

  constructor(private readonly kafka: Kafka, private readonly topic: string) {}

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `bench-watch-${randomUUID()}`, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      eachBatch: async ({ batch }) => {
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
          }
        }
      },
    });
  }

  /** Starts collecting flags whose events arrive from now until `stop` is called on the result. */
  beginStep(): { histogram: Histogram; toDetector: Histogram; inDetector: Histogram; end: () => void } {
    const step: DetectionStep = {
      from: Date.now(), to: Number.MAX_SAFE_INTEGER, histogram: latencyHistogram(),
      toDetector: latencyHistogram(), inDetector: latencyHistogram(), flagIds: new Set<string>(),
    };
    this.steps.push(step);
    return { histogram: step.histogram, toDetector: step.toDetector, inDetector: step.inDetector, end: () => { step.to = Date.now(); } };
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
