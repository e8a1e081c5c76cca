import kafkajs, { type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicName } from '@backstop/contracts';
import { MAX_DECOMPRESSED_BATCH_BYTES } from '@backstop/kafka';
import type { ServiceProcess } from '../infra/dev/service-process';
import { consumerRunning, notReady, readiness } from './support/readiness';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { withPlatformTopics } from './support/platform-topics';

/**
 * A consumer that meets an error it cannot retry stops for good while its process lives on.
 * Here the error is real: a gzip batch of a few KB that decompresses past the 64 MiB limit,
 * refused by every consumer on every fetch. Its service must say so: `/readyz` answers 503
 * naming the consumer, and `backstop_consumer_running` drops to 0 for the alert.
 */
describe('a consumer that stops for good', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let producer: Producer;
  let sourceTopic: string;
  let platformTopics: Awaited<ReturnType<typeof withPlatformTopics>>;
  const service = (name: ServiceProcess['name']) => services.find((candidate) => candidate.name === name)!.address!;

  beforeAll(async () => {
    stack = await createIsolatedStack({ paymentEvents: 1, flags: 1, deadLetter: 1 });
    sourceTopic = `${stack.topicPrefix}platform.payments`;
    platformTopics = await withPlatformTopics(stack.kafka, [sourceTopic]);
    producer = stack.kafka.producer();
    await producer.connect();
    services = await startServices(stack, ['ingest', 'detector', 'refund-worker'], {
      INGEST_SOURCES: JSON.stringify([{ tenantId: 'bigplatform', topic: sourceTopic }]),
    });
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await producer?.disconnect();
    await platformTopics?.remove();
    await stack?.close();
  }, 60_000);

  /** One record of zeros past the limit, gzipped by KafkaJS: the broker takes it, no consumer can read it. */
  const sendBomb = (topic: string) =>
    producer.send({ topic, acks: -1, compression: kafkajs.CompressionTypes.GZIP, messages: [{ key: 'bomb', value: Buffer.alloc(MAX_DECOMPRESSED_BATCH_BYTES + 1) }] });

  it('ingest answers /readyz 503 naming the platform-topic consumer, and its gauge drops to 0', async () => {
    const ingest = service('ingest');
    expect(await readiness(ingest)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await consumerRunning(ingest, 'ingest-source')).toBe(1);

    await sendBomb(sourceTopic);

    const answer = await notReady(ingest);
    expect(answer.body.status).toBe('not-ready');
    expect(answer.body.reason).toContain('consumer ingest-source stopped');
    expect(answer.body.reason).toContain('decompresses to more than');
    expect(await consumerRunning(ingest, 'ingest-source')).toBe(0);
    expect(services.find((candidate) => candidate.name === 'ingest')!.lines.some((line) => line.includes('consumer stopped for good'))).toBe(true);
  }, 90_000);

  it('the detector and the refund worker answer /readyz 503 naming their events consumers, and their gauges drop to 0', async () => {
    const [detector, worker] = [service('detector'), service('refund-worker')];
    for (const address of [detector, worker]) expect(await readiness(address)).toEqual({ status: 200, body: { status: 'ready' } });
    expect(await consumerRunning(detector, 'detector')).toBe(1);
    expect(await consumerRunning(worker, 'refund-worker-events')).toBe(1);

    await sendBomb(topicName('paymentEvents', stack.topicPrefix));

    expect((await notReady(detector)).body.reason).toContain('consumer detector stopped');
    expect((await notReady(worker)).body.reason).toContain('consumer refund-worker-events stopped');
    expect(await consumerRunning(detector, 'detector')).toBe(0);
    expect(await consumerRunning(worker, 'refund-worker-events')).toBe(0);
    // The worker's flag consumer reads another topic and goes on: each consumer is told apart.
    expect(await consumerRunning(worker, 'refund-worker')).toBe(1);
    expect((await readiness(worker)).body.reason).not.toContain('consumer refund-worker stopped');
  }, 90_000);
});
