/**
 * Stage 9: the Kafka client under the detector's consume loop, KafkaJS against
 * @platformatic/kafka, on the same pre-filled events topic in the same run.
 *
 * The loop is the detector's without Redis and the rules: a pass takes what one read brought,
 * decodes every event at the topic boundary as the detector does, sends one flag-sized message
 * for every `FLAG_EVERY` events with acks=all and waits for it, then commits the pass's offsets
 * in one request. KafkaJS runs as the detector runs it (`runByFetch`, `commitBatches`, the
 * project's idempotent producer); @platformatic/kafka through `runPlatformaticByFetch`, with the
 * KIP-848 group protocol and its own idempotent producer. The clients take turns, a fresh group
 * each run, so a slower moment of the shared machine falls on both.
 *
 * Then the sends alone, as ingest makes them: one message per send, many sends in flight, and
 * sends of a hundred messages.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { partitionKey, topicName } from '@backstop/contracts';
import { decodeEvent, paymentOf } from '@backstop/detection';
import { ACKS_ALL, commitBatches, createIdempotentProducer, fetchGathering, groupMembership, runByFetch } from '@backstop/kafka';
import { publishGenerated, TrafficGenerator } from '@backstop/testkit';
import { Producer as PlatformaticProducer } from '@platformatic/kafka';
import { runPlatformaticByFetch, type FetchedBatch } from '../kafka-clients/platformatic-by-fetch';
import { createSlice, type Endpoints } from '../lib/slice';
import { round } from './detector';

export type KafkaClientName = 'kafkajs' | '@platformatic/kafka';

export interface ConsumeLoopRun {
  client: KafkaClientName;
  fetches: 'large' | 'small';
  events: number;
  seconds: number;
  eventsPerS: number;
  /** Node CPU of this process per event: the client, the decoding and the sends. */
  cpuMicrosPerEvent: number;
  passes: number;
}

export interface SendRun {
  client: KafkaClientName;
  messagesPerSend: number;
  inFlight: number;
  sends: number;
  seconds: number;
  sendsPerS: number;
  cpuMicrosPerSend: number;
  /** Messages the sends that resolved asked for, and how many the topic gained: an acknowledged send must have landed. */
  messagesAcknowledged: number;
  messagesLanded: number;
  /** The first send that failed, if one did: the run stops there. */
  failure?: string;
}

export interface KafkaClientsResult {
  events: number;
  partitions: number;
  flagEvery: number;
  /** Every run of the loop, in the order they ran. */
  loops: ConsumeLoopRun[];
  sends: SendRun[];
  versions: Record<KafkaClientName, string>;
}

/** One flag-sized message for this many events: about the share the realistic traffic flags. */
const FLAG_EVERY = 20;
const RUNS_PER_CLIENT = 3;

/**
 * Fetches as large as the clients' defaults allow (a backlog drained in a few passes) and
 * small ones (about a hundred events a pass, as a detector that keeps up sees them), which
 * weigh each pass's fixed cost: the fetch, the send and the commit round trips.
 */
const FETCH_SIZES = [
  { name: 'large', maxBytes: 10 * 1024 * 1024, maxBytesPerPartition: 1024 * 1024 },
  { name: 'small', maxBytes: 64 * 1024, maxBytesPerPartition: 16 * 1024 },
] as const;

type Batches = FetchedBatch[];
type SendFlags = (messages: { key: string; value: string }[]) => Promise<void>;
type HandlePass = (batches: Batches, sendFlags: SendFlags) => Promise<void>;

export async function benchKafkaClients(endpoints: Endpoints, events: number, sends: number, log: (line: string) => void): Promise<KafkaClientsResult> {
  const slice = await createSlice(endpoints, 'kcl');
  const eventsTopic = topicName('paymentEvents', slice.topicPrefix);
  const flagsTopic = topicName('flags', slice.topicPrefix);
  const admin = slice.kafka.admin();
  await admin.connect();
  const kafkajsProducer = createIdempotentProducer(slice.kafka);
  const asBytes = (data?: string) => (data === undefined ? undefined : Buffer.from(data));
  const platformaticProducer = (clientId: string) =>
    new PlatformaticProducer({ clientId, bootstrapBrokers: endpoints.brokers, idempotent: true, acks: ACKS_ALL, autocreateTopics: false, serializers: { key: asBytes, value: asBytes } });
  const sendTo = (producer: ReturnType<typeof platformaticProducer>): SendFlags => (messages) =>
    producer.send({ messages: messages.map((message) => ({ ...message, topic: flagsTopic })) }).then(() => undefined);
  const loopProducer = platformaticProducer(`${slice.id}-platformatic`);
  try {
    await kafkajsProducer.connect();
    const generator = new TrafficGenerator({ payers: Math.max(250, Math.round(events / 40)) });
    const filler = slice.kafka.producer();
    await filler.connect();
    await publishGenerated(filler, eventsTopic, slice.tenantId, events, () => generator.next().event);
    await filler.disconnect();
    const partitions = (await admin.fetchTopicOffsets(eventsTopic)).length;
    log(`  ${events} events on ${partitions} partitions of ${eventsTopic}`);

    const sendFlagsKafkaJs: SendFlags = (messages) => kafkajsProducer.send({ topic: flagsTopic, acks: ACKS_ALL, messages }).then(() => undefined);
    const sendFlagsPlatformatic = sendTo(loopProducer);

    const loops: ConsumeLoopRun[] = [];
    for (const fetchSize of FETCH_SIZES) {
      for (let run = 0; run < RUNS_PER_CLIENT; run += 1) {
        for (const client of ['kafkajs', '@platformatic/kafka'] as const) {
          const result = await timedLoop(client, fetchSize.name, events, async (handlePass, committed, signal) => {
            const groupId = `${slice.topicPrefix}bench-loop-${randomUUID()}`;
            if (client === 'kafkajs') {
              const consumer = slice.kafka.consumer({
                groupId, allowAutoTopicCreation: false, ...groupMembership(10_000), ...fetchGathering(0), maxBytes: fetchSize.maxBytes, maxBytesPerPartition: fetchSize.maxBytesPerPartition,
              });
              await consumer.connect();
              await consumer.subscribe({ topic: eventsTopic, fromBeginning: true });
              await runByFetch(consumer, async (live) => {
                await handlePass(live.map(({ batch }) => ({ topic: batch.topic, partition: batch.partition, messages: batch.messages })), sendFlagsKafkaJs);
                await commitBatches(live);
                committed();
              });
              await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
              await consumer.disconnect();
            } else {
              await runPlatformaticByFetch(
                { brokers: endpoints.brokers, clientId: `${slice.id}-platformatic-loop`, groupId, topic: eventsTopic, readAhead: 4_096, ...fetchSize },
                (batches: FetchedBatch[]) => handlePass(batches, sendFlagsPlatformatic),
                { committed, signal },
              );
            }
          });
          log(`  ${client} consume loop, ${fetchSize.name} fetches, run ${run + 1}: ${result.eventsPerS} events/s, ${result.cpuMicrosPerEvent} µs CPU/event, ${result.passes} passes`);
          loops.push(result);
        }
      }
    }

    const sendRuns: SendRun[] = [];
    const payload = JSON.stringify({ tenantId: slice.tenantId, event: generator.next().event });
    const flagsOnTopic = async () => (await admin.fetchTopicOffsets(flagsTopic)).reduce((sum, { high }) => sum + Number(high), 0);
    for (const [messagesPerSend, inFlight] of [[1, 32], [1, 1], [100, 2], [100, 1]] as const) {
      const count = messagesPerSend === 1 ? sends : Math.max(20, Math.round(sends / 50));
      for (const client of ['kafkajs', '@platformatic/kafka'] as const) {
        // A fresh @platformatic/kafka producer each run: a failed run leaves its sequence numbers behind.
        const fresh = client === 'kafkajs' ? undefined : platformaticProducer(`${slice.id}-platformatic-sends-${messagesPerSend}-${inFlight}`);
        const send = fresh ? sendTo(fresh) : sendFlagsKafkaJs;
        const messages = Array.from({ length: messagesPerSend }, (_, index) => ({ key: `payer-${index}`, value: payload }));
        const before = await flagsOnTopic();
        const result = await timedSends(count, inFlight, () => send(messages));
        const run: SendRun = {
          client, messagesPerSend, inFlight, sends: result.acknowledged, seconds: result.seconds,
          sendsPerS: result.seconds > 0 ? Math.round(result.acknowledged / result.seconds) : 0, cpuMicrosPerSend: Math.round(result.cpuMicros / Math.max(1, result.acknowledged)),
          messagesAcknowledged: (result.acknowledged + (result.warmedUp ? 1 : 0)) * messagesPerSend, messagesLanded: (await flagsOnTopic()) - before,
          ...(result.failure ? { failure: result.failure } : {}),
        };
        log(`  ${client} sends of ${messagesPerSend}, ${inFlight} in flight: ${run.sendsPerS} sends/s, ${run.cpuMicrosPerSend} µs CPU/send, ` +
          `${run.messagesLanded} of ${run.messagesAcknowledged} acknowledged messages on the topic${run.failure ? `; failed: ${run.failure}` : ''}`);
        sendRuns.push(run);
        await fresh?.close().catch(() => undefined);
      }
    }
    return { events, partitions, flagEvery: FLAG_EVERY, loops, sends: sendRuns, versions: clientVersions() };
  } finally {
    await kafkajsProducer.disconnect().catch(() => undefined);
    await loopProducer.close().catch(() => undefined);
    await admin.disconnect();
    await slice.drop();
  }
}

interface Counted {
  events: number;
  passes: number;
  firstAt?: number;
  lastCommitAt?: number;
}

/** Decodes every event and sends a flag-sized message for every FLAG_EVERY of them, as one send. */
function passHandler(counted: Counted): HandlePass {
  return async (batches, sendFlags) => {
    counted.firstAt ??= performance.now();
    const flags: { key: string; value: string }[] = [];
    for (const { messages } of batches) {
      for (const message of messages) {
        const ingested = decodeEvent(message);
        counted.events += 1;
        const payment = paymentOf(ingested);
        if (payment && counted.events % FLAG_EVERY === 0) flags.push({ key: partitionKey(ingested.tenantId, payment.payerId), value: message.value!.toString() });
      }
    }
    if (flags.length > 0) await sendFlags(flags);
    counted.passes += 1;
  };
}

/** Runs one client's loop until every event's offset is committed: from the first pass to the last commit. */
async function timedLoop(
  client: KafkaClientName,
  fetches: ConsumeLoopRun['fetches'],
  total: number,
  run: (handlePass: HandlePass, committed: () => void, signal: AbortSignal) => Promise<void>,
): Promise<ConsumeLoopRun> {
  const counted: Counted = { events: 0, passes: 0 };
  const stop = new AbortController();
  const cpuBefore = process.cpuUsage();
  let cpu: NodeJS.CpuUsage | undefined;
  const committed = () => {
    if (counted.events < total || stop.signal.aborted) return;
    counted.lastCommitAt = performance.now();
    cpu = process.cpuUsage(cpuBefore);
    stop.abort();
  };
  const deadline = setTimeout(() => stop.abort(), 300_000);
  await run(passHandler(counted), committed, stop.signal);
  clearTimeout(deadline);
  if (counted.lastCommitAt === undefined || cpu === undefined) throw new Error(`${client} consumed ${counted.events} of ${total} events before the deadline`);
  const seconds = (counted.lastCommitAt - counted.firstAt!) / 1000;
  return {
    client,
    fetches,
    events: counted.events,
    seconds: round(seconds, 2),
    eventsPerS: Math.round(counted.events / seconds),
    cpuMicrosPerEvent: Math.round((cpu.user + cpu.system) / counted.events),
    passes: counted.passes,
  };
}

/**
 * `sends` sends, `inFlight` at a time, after one to warm the connection (not timed, nor among
 * `acknowledged`; `warmedUp` says whether it was); stops at the first failure.
 */
async function timedSends(sends: number, inFlight: number, send: () => Promise<void>): Promise<{ warmedUp: boolean; acknowledged: number; seconds: number; cpuMicros: number; failure?: string }> {
  let started = 0;
  let acknowledged = 0;
  let failure: string | undefined;
  const worker = async () => {
    while (started < sends && failure === undefined) {
      started += 1;
      try {
        await send();
        acknowledged += 1;
      } catch (error) {
        failure ??= failureOf(error);
      }
    }
  };
  try {
    await send();
  } catch (error) {
    return { warmedUp: false, acknowledged: 0, seconds: 0, cpuMicros: 0, failure: failureOf(error) };
  }
  const cpuBefore = process.cpuUsage();
  const begin = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - begin) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return { warmedUp: true, acknowledged, seconds: round(seconds, 2), cpuMicros: cpu.user + cpu.system, ...(failure ? { failure } : {}) };
}

/** An error's message with its causes': @platformatic/kafka nests the broker's answer two levels down. */
function failureOf(error: unknown): string {
  const causes = (error as { errors?: unknown[] }).errors?.flatMap((cause) => (cause as { errors?: unknown[] }).errors ?? [cause]) ?? [];
  return [...new Set([(error as Error).message, ...causes.map((cause) => (cause as Error).message)])].join(': ');
}

/** Each client's version as installed; @platformatic/kafka exports no package.json, so it is read beside its entry point. */
function clientVersions(): Record<KafkaClientName, string> {
  const require = createRequire(import.meta.url);
  const versionOf = (manifest: string) => (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  return {
    kafkajs: versionOf(require.resolve('kafkajs/package.json')),
    '@platformatic/kafka': versionOf(join(dirname(require.resolve('@platformatic/kafka')), '..', 'package.json')),
  };
}
