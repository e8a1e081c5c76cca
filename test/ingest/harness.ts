import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, expect } from 'vitest';
import { topicName, type IngestedEvent, type WebhookEvent } from '@backstop/contracts';
import { createLogger, type Logger } from '@backstop/logging';
import { signedHeaders } from '@backstop/signing';
import { activeWebhookSecrets } from '@backstop/tenancy';
import { IngestConfig } from '../../services/ingest/src/config';
import { createIngest } from '../../services/ingest/src/ingest';
import type { IngestMetrics } from '../../services/ingest/src/metrics';
import { createTenant } from '@backstop/tenancy';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { readTopic, type ReadMessage } from '@backstop/testkit';
import { eventually } from '../support/wait';
import { paymentEvent } from '../support/webhooks';

export interface IngestUnderTest {
  app: FastifyInstance;
  metrics: IngestMetrics;
  close(): Promise<void>;
}

export interface IngestSettings {
  /** Another broker than the stack's, e.g. a private one a test stops. */
  brokers?: string[];
  redisUrl?: string;
  bodyLimit?: number;
  eventsPerSecond?: number;
  burst?: number;
  rateOverrides?: Record<string, { eventsPerSecond: number; burst: number }>;
  /** Any other setting, e.g. the pre-payment check's deadline. */
  env?: Record<string, string>;
  /** Where ingest logs, for a test that reads its lines; silent by default. */
  logger?: Logger;
  /** Secrets through ingest's own cache, as in production, instead of read afresh per request. */
  cachedSecrets?: boolean;
}

/**
 * Ingest in this process, built by its own builder against the stack's real Kafka, Redis and
 * Postgres, not listening: tests drive it with `inject`. Secrets are read uncached, so a test
 * that rotates one sees the change at once, unless `cachedSecrets` asks for ingest's own cache.
 */
export async function startIngest(stack: IsolatedStack, settings: IngestSettings = {}): Promise<IngestUnderTest> {
  const config = IngestConfig.parse({
    ...stack.env,
    ...(settings.brokers ? { KAFKA_BROKERS: settings.brokers.join(',') } : {}),
    ...(settings.redisUrl ? { REDIS_URL: settings.redisUrl } : {}),
    INGEST_BODY_LIMIT: String(settings.bodyLimit ?? 1_048_576),
    INGEST_RATE_PER_S: String(settings.eventsPerSecond ?? 100_000),
    INGEST_RATE_BURST: String(settings.burst ?? 100_000),
    INGEST_RATE_OVERRIDES: JSON.stringify(settings.rateOverrides ?? {}),
    INGEST_DEDUPE_SHARDS: '64',
    ...settings.env,
  });
  const ingest = createIngest(config, {
    logger: settings.logger ?? createLogger('ingest', process.env.TEST_LOG_LEVEL ?? 'silent'),
    ...(settings.cachedSecrets ? {} : { secretsFor: (tenantId: string) => activeWebhookSecrets(stack.pool, tenantId) }),
  });
  const { app } = await ingest.start({ listen: false });
  return { app, metrics: ingest.metrics, close: () => ingest.stop() };
}

/** A stack with one tenant, ingest built on it, and the events topic watched: what most ingest tests start from. */
export interface IngestDoor {
  stack: IsolatedStack;
  ingest: IngestUnderTest;
  tenantId: string;
  secret: string;
  topic: Awaited<ReturnType<typeof watchEvents>>;
  /** How many requests or events were rejected under this reason so far. */
  rejectedCount(reason: string): Promise<number>;
  close(): Promise<void>;
}

export async function openIngestDoor({ tenantId = 'cardshop', tenantName = 'Card shop', settings = {} as IngestSettings } = {}): Promise<IngestDoor> {
  const stack = await createIsolatedStack({ paymentEvents: 1 });
  const secret = (await createTenant(stack.pool, { tenantId, name: tenantName })).webhookSecret;
  const ingest = await startIngest(stack, settings);
  const topic = await watchEvents(stack);
  return {
    stack, ingest, tenantId, secret, topic,
    rejectedCount: async (reason) => (await ingest.metrics.rejected.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0,
    async close() {
      await topic.stop();
      await ingest.close();
      await stack.close();
    },
  };
}

/**
 * `openIngestDoor` for the tests of one `describe`: opened before them and closed after them.
 * Call it in the `describe` body; the fields are set once its `beforeAll` ran.
 */
export function ingestDoorForTests(options: Parameters<typeof openIngestDoor>[0] = {}): IngestDoor {
  const door = {} as IngestDoor;
  let opened: IngestDoor | undefined;
  beforeAll(async () => {
    opened = await openIngestDoor(options);
    Object.assign(door, opened);
  });
  afterAll(() => opened?.close());
  return door;
}

export interface SignedPost {
  tenantId: string;
  secret: string;
  body: string;
  id?: string;
  url?: string;
  headers?: Record<string, string>;
  timestamp?: Date;
}

export function signedRequest(post: SignedPost): InjectOptions {
  const id = post.id ?? 'req_unnamed';
  return {
    method: 'POST',
    url: post.url ?? '/v1/webhooks/payments',
    headers: {
      'content-type': 'application/json',
      'x-tenant-id': post.tenantId,
      ...signedHeaders(post.secret, id, post.body, post.timestamp),
      ...post.headers,
    },
    payload: post.body,
  };
}

/** A pre-payment check, signed as a webhook with the intent id as the request id. */
export function postCheck(app: FastifyInstance, tenantId: string, secret: string, intent: Record<string, unknown>, extra: Partial<SignedPost> = {}) {
  const body = JSON.stringify(intent);
  return app.inject(signedRequest({ tenantId, secret, body, id: String(intent.intentId ?? 'chk_unnamed'), url: '/v1/checks', ...extra }));
}

export function postEvent(app: FastifyInstance, tenantId: string, secret: string, event: WebhookEvent | Record<string, unknown>, extra: Partial<SignedPost> = {}) {
  const body = JSON.stringify(event);
  return app.inject(signedRequest({ tenantId, secret, body, id: String(event.id), ...extra }));
}

/** Everything on the stack's events topic, read from the beginning and kept up to date. */
export async function watchEvents(stack: IsolatedStack, kafka: Kafka = stack.kafka) {
  const reader = await readTopic(kafka, topicName('paymentEvents', stack.topicPrefix));
  const events = () => reader.messages.map((message: ReadMessage) => JSON.parse(message.value) as IngestedEvent);
  return {
    events,
    stop: reader.stop,
    /** Waits until an accepted event with this id is on the topic. */
    async arrival(eventId: string): Promise<IngestedEvent> {
      return eventually(async () => events().find((message) => message.event.id === eventId), { what: `event ${eventId} on Kafka` });
    },
    /**
     * Proves that nothing matching `unwanted` reached Kafka: posts a marker and waits for it.
     * The topic has one partition and ingest answers only after the broker acknowledged, so
     * anything an earlier request published sits before the marker.
     */
    async expectNothingBefore(app: FastifyInstance, tenantId: string, secret: string, unwanted: (event: IngestedEvent, raw: string) => boolean) {
      const marker = paymentEvent();
      const response = await postEvent(app, tenantId, secret, marker);
      expect(response.statusCode).toBe(202);
      await this.arrival(marker.id);
      const raws = reader.messages.map((message) => message.value);
      expect(raws.filter((raw) => unwanted(JSON.parse(raw) as IngestedEvent, raw))).toEqual([]);
    },
  };
}
