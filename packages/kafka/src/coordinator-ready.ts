import type { Kafka } from 'kafkajs';
import { retryRetriable } from './retriable';

/**
 * Waits until a freshly started broker can coordinate consumer groups and hand out producer
 * ids: the first request for either creates an internal topic and loads it, which takes a few
 * seconds. Services started after this find Kafka ready instead of retrying through it.
 */
export async function waitForCoordinators(kafka: Kafka, { attempts = 60 } = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retryRetriable(() => admin.describeGroups(['backstop-readiness-probe']), { attempts, delayMs: 250 });
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await retryRetriable(() => producer.connect(), { attempts, delayMs: 250 });
  await producer.disconnect();
}
