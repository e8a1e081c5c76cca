import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundCommand, topicName } from '@backstop/contracts';
import { createIdempotentProducer, createKafka, ensureTopics } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { inTransaction } from '@backstop/postgres';
import { createTenant } from '@backstop/tenancy';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { isPortOpen, startBroker, type BrokerOptions, type RunningBroker } from '../infra/kafka/broker';
import { startOutboxRelay, type OutboxRelay } from '../services/refund-worker/src/outbox/relay';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createIsolatedDatabase } from './support/database';
import { buildFlag } from './support/flags';
import { readTopic } from '@backstop/testkit';
import { eventually } from './support/wait';

async function sparePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 9_000);
    if (!(await isPortOpen(port)) && !(await isPortOpen(port + 1))) return port;
  }
}

describe('the outbox while Kafka is down', () => {
  let database: Awaited<ReturnType<typeof createIsolatedDatabase>>;
  let options: BrokerOptions;
  let broker: RunningBroker | undefined;
  let kafka: Kafka;
  let producer: Producer;
  let relay: OutboxRelay | undefined;
  const topic = topicName('refundCommands', 'outage.');

  beforeAll(async () => {
    database = await createIsolatedDatabase();
    await createTenant(database.pool, { tenantId: 'outage', name: 'Outage' });
    const dataDir = mkdtempSync(join(tmpdir(), 'backstop-outage-kafka-'));
    options = { port: await sparePort(), dataDir, logFile: join(dataDir, 'broker.log') };
    broker = await startBroker(options, { log: () => undefined });
    // Few retries: each failed pass should end quickly while the broker is away.
    kafka = new Kafka({ clientId: 'outage-test', brokers: broker.brokers, logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 } });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    producer = createIdempotentProducer(kafka);
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await producer?.disconnect().catch(() => undefined);
    await broker?.stop();
    await database?.close();
    rmSync(options.dataDir, { recursive: true, force: true });
  }, 60_000);

  it('keeps the approved command while the broker is away and delivers it once it is back', async () => {
    const flag = buildFlag('outage');
    await inTransaction(database.pool, (client) => recordFlags(client, [flag], new Date()));
    await broker!.stop();

    relay = startOutboxRelay({ pool: database.pool, producer, topic, logger: createLogger('outage-test', 'silent'), pollMs: 50 });
    await eventually(async () => (relay!.stats().failedPasses >= 2 ? true : undefined), { what: 'relay passes to fail', timeoutMs: 60_000 });
    const waiting = await database.pool.query("SELECT d.status, o.published_at FROM refund_decisions d JOIN refund_outbox o USING (decision_id) WHERE d.tenant_id = 'outage'");
    expect(waiting.rows).toEqual([{ status: 'approved', published_at: null }]);

    broker = await startBroker(options, { log: () => undefined });
    await eventually(async () => {
      const row = await database.pool.query("SELECT status FROM refund_decisions WHERE tenant_id = 'outage'");
      return row.rows[0]?.status === 'sent' ? true : undefined;
    }, { what: 'the decision to be sent', timeoutMs: 90_000 });

    // A reader with the usual retries: the restarted broker takes a moment to serve consumer groups.
    const commands = await readTopic(createKafka(broker.brokers, 'outage-reader', createLogger('outage-test', 'silent')), topic);
    try {
      const received = await eventually(async () => (commands.messages.length > 0 ? commands.messages : undefined), { what: 'the command on the topic', timeoutMs: 90_000 });
      expect(received.map((m) => RefundCommand.parse(JSON.parse(m.value)).idempotencyKey)).toEqual([`refund:outage:${flag.payment.paymentId}`]);
    } finally {
      await commands.stop();
    }
  }, 180_000);
});
