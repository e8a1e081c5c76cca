import { describe, expect, it } from 'vitest';
import type { ConsumeLoopRun, KafkaClientsResult, SendRun } from '../stages/kafka-clients';
import { renderKafkaClients } from './report-section';

const loop = (client: ConsumeLoopRun['client'], fetches: ConsumeLoopRun['fetches'], eventsPerS: number, cpuMicrosPerEvent: number): ConsumeLoopRun =>
  ({ client, fetches, events: 20_000, seconds: 20_000 / eventsPerS, eventsPerS, cpuMicrosPerEvent, passes: 2 });
const send = (client: SendRun['client'], landed: number, failure?: string): SendRun =>
  ({ client, messagesPerSend: 1, inFlight: 32, sends: 3_000, seconds: 1, sendsPerS: 3_000, cpuMicrosPerSend: 200, messagesAcknowledged: 3_001, messagesLanded: landed, ...(failure ? { failure } : {}) });

const result: KafkaClientsResult = {
  events: 20_000,
  partitions: 6,
  flagEvery: 20,
  loops: [
    loop('kafkajs', 'large', 60_000, 20), loop('@platformatic/kafka', 'large', 30_000, 40),
    loop('kafkajs', 'large', 90_000, 14), loop('@platformatic/kafka', 'large', 45_000, 30),
    loop('kafkajs', 'large', 80_000, 16), loop('@platformatic/kafka', 'large', 40_000, 33),
  ],
  sends: [send('kafkajs', 3_001), send('@platformatic/kafka', 2_970, 'Producing messages failed.')],
  versions: { kafkajs: '2.2.4', '@platformatic/kafka': '1.35.0' },
};

describe('the Kafka client section of the report', () => {
  const text = renderKafkaClients(result).join('\n');

  it('gives each client the median of its runs, and its ratio to KafkaJS in the same run', () => {
    expect(text).toContain('| large | kafkajs | 60000, 90000, 80000 | 80000 | 100 % | 16 |');
    expect(text).toContain('| large | @platformatic/kafka | 30000, 45000, 40000 | 40000 | 50 % | 33 |');
  });

  it('sets the messages that landed beside those acknowledged, and the failure', () => {
    expect(text).toContain('| kafkajs | 1 | 32 | 3000 | 3000 | 200 | 3001 / 3001 | – |');
    expect(text).toContain('| @platformatic/kafka | 1 | 32 | 3000 | 3000 | 200 | 2970 / 3001 | Producing messages failed. |');
  });

  it('names both versions', () => {
    expect(text).toContain('kafkajs 2.2.4, @platformatic/kafka 1.35.0');
  });
});
