import { median } from '@backstop/detection';
import { ratio, table } from '../lib/markdown';
import type { KafkaClientName, KafkaClientsResult } from '../stages/kafka-clients';


/** Section 9 of the report: each client's runs, their medians, and @platformatic/kafka against KafkaJS. */
export function renderKafkaClients(result: KafkaClientsResult): string[] {
  const clients: KafkaClientName[] = ['kafkajs', '@platformatic/kafka'];
  const loopMedian = (client: KafkaClientName, fetches: string) => {
    const runs = result.loops.filter((run) => run.client === client && run.fetches === fetches);
    return { client, fetches, eventsPerS: Math.round(median(runs.map((run) => run.eventsPerS))), cpu: Math.round(median(runs.map((run) => run.cpuMicrosPerEvent))), runs };
  };
  const fetchSizes = [...new Set(result.loops.map((run) => run.fetches))];
  const rows = fetchSizes.flatMap((fetches) => {
    const medians = clients.map((client) => loopMedian(client, fetches));
    return medians.map((m) => [
      m.fetches, m.client, m.runs.map((run) => run.eventsPerS).join(', '), m.eventsPerS, ratio(m.eventsPerS, medians[0]!.eventsPerS), m.cpu,
      m.runs.map((run) => run.passes).join(', '),
    ]);
  });
  const versions = clients.map((client) => `${client} ${result.versions[client]}`).join(', ');
  return [
    '## 9. The Kafka client (the detector\'s consume loop without Redis and the rules)',
    '',
    `${result.events} events on ${result.partitions} partitions, read by a fresh group per run, the clients taking turns (${versions}). A pass decodes every event at the topic boundary as the detector does, ` +
      `sends one flag-sized message for every ${result.flagEvery} events with acks=all and waits for it, then commits the pass's offsets. KafkaJS runs as the detector runs it (one pass per fetch, the project's idempotent producer); ` +
      '@platformatic/kafka with the KIP-848 group protocol, reading ahead while a pass is handled, and its idempotent producer. Timed from the first pass to the last commit; CPU is this process\'s.',
    '',
    'Large fetches: up to 10 MiB a fetch, 1 MiB a partition (KafkaJS\'s defaults), a backlog drained in a few passes. Small: 64 KiB a fetch, 16 KiB a partition, about a hundred events a pass, so each pass\'s fixed cost (fetch, send and commit round trips) weighs.',
    '',
    table(['fetches', 'client', 'runs: events/s', 'median events/s', 'ratio to KafkaJS', 'median CPU µs / event', 'passes per run'], rows),
    '',
    'Sends alone, acks=all, idempotent, as ingest makes them. "Landed" is what the topic gained against what the acknowledged sends carried: an acknowledged message must be there.',
    '',
    table(['client', 'messages per send', 'sends in flight', 'sends acknowledged', 'sends/s', 'CPU µs / send', 'messages landed / acknowledged', 'failed'],
      result.sends.map((run) => [run.client, run.messagesPerSend, run.inFlight, run.sends, run.sendsPerS, run.cpuMicrosPerSend, `${run.messagesLanded} / ${run.messagesAcknowledged}`, run.failure])),
  ];
}
