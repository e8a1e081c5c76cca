import { topicName } from '@backstop/contracts';
import { payerKeys } from '@backstop/detection';
import { createKafka, readToEnd } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import { safeJson } from '../../infra/tools/invariants/collect';
import type { InvariantReport } from '../../infra/tools/invariants/invariants';

const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');

/** Where the detector's state lives, to say what it remembers of a missed event. */
export interface StateLocation {
  redisUrl: string;
  redisPrefix: string;
}

const keyOf = (tenantId: string, paymentId: string) => `${tenantId}\u0000${paymentId}`;

/** A missed payment as the events topic holds it. */
interface MissedEvent {
  tenantId: string;
  payerId: string;
  eventId: string;
}

type Ingested = { tenantId?: string; receivedAt?: string; event?: { id?: string; type?: string; occurredAt?: string; data?: Record<string, unknown> } };
type PublishedFlag = { flagId?: string; type?: string; flaggedAt?: string; stateRebuilding?: boolean; payment?: { payerId?: string; paymentId?: string } };

const SHOWN_FIELDS = ['orderId', 'paymentId', 'amount', 'unitPrice', 'quantity', 'sku', 'category', 'recipientVerified'];

/**
 * For each planted mistake the report says went unflagged: its payer's events in the order
 * the events topic holds them (each with its partition and how many messages of that
 * partition were read before it), every flag raised on that payer, and what the detector's
 * state remembers of the missed event: nothing (never observed), a snapshot (observed, its
 * flags never recorded) or the flags it recorded. This is what separates a stream that
 * reached the detector out of order, or twice, from a rule that judged a well-ordered stream
 * wrongly. Gives up after `timeoutMs`: a description must never hang the test it explains.
 */
export async function describeMissedMistakes(brokers: string[], topicPrefix: string, report: InvariantReport, timeoutMs: number, state?: StateLocation): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not read within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([describe(brokers, topicPrefix, report, state), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function describe(brokers: string[], topicPrefix: string, report: InvariantReport, state: StateLocation | undefined): Promise<string> {
  const missed = report.violations.filter((violation) => violation.invariant === 'every planted mistake was flagged').flatMap((violation) => (violation.payment ? [violation.payment] : []));
  if (missed.length === 0) return '';
  const missedKeys = new Set(missed.map(({ tenantId, paymentId }) => keyOf(tenantId, paymentId)));

  const kafka = createKafka(brokers, 'missed-mistakes-reader', logger);
  const missedEvents = new Map<string, MissedEvent>();
  const eventsByPayer = new Map<string, string[]>();
  const positionInPartition = new Map<number, number>();
  await readToEnd(kafka, topicName('paymentEvents', topicPrefix), (value, partition) => {
    const position = positionInPartition.get(partition) ?? 0;
    positionInPartition.set(partition, position + 1);
    const ingested = safeJson(value) as Ingested | undefined;
    const event = ingested?.event;
    const data = event?.data;
    if (typeof data?.payerId !== 'string') return;
    const key = keyOf(ingested!.tenantId ?? '', String(data.paymentId));
    if (event!.type === 'payment.succeeded' && missedKeys.has(key)) missedEvents.set(key, { tenantId: ingested!.tenantId!, payerId: data.payerId, eventId: event!.id ?? '' });
    const fields = SHOWN_FIELDS.filter((field) => data[field] !== undefined).map((field) => `${field}=${String(data[field])}`);
    const lines = eventsByPayer.get(data.payerId) ?? [];
    lines.push(`partition ${partition}, message ${position} read: ${event!.type} ${event!.id} occurred ${event!.occurredAt} received ${ingested!.receivedAt} ${fields.join(' ')}`);
    eventsByPayer.set(data.payerId, lines);
  });
  const flagsByPayer = new Map<string, string[]>();
  await readToEnd(kafka, topicName('flags', topicPrefix), (value) => {
    const flag = safeJson(value) as PublishedFlag | undefined;
    const payerId = flag?.payment?.payerId;
    if (payerId === undefined) return;
    const lines = flagsByPayer.get(payerId) ?? [];
    lines.push(`${flag!.type} on ${flag!.payment!.paymentId} flagged ${flag!.flaggedAt} id ${flag!.flagId}${flag!.stateRebuilding ? ' (state rebuilding)' : ''}`);
    flagsByPayer.set(payerId, lines);
  });
  const remembered = state ? await rememberedOf(state, missedEvents) : new Map<string, string>();

  return missed
    .map(({ tenantId, paymentId }) => {
      const key = keyOf(tenantId, paymentId);
      const missedEvent = missedEvents.get(key);
      if (missedEvent === undefined) return `missed ${paymentId}: not on the events topic`;
      const events = (eventsByPayer.get(missedEvent.payerId) ?? []).map((line) => `    ${line}`);
      const flags = (flagsByPayer.get(missedEvent.payerId) ?? []).map((line) => `    ${line}`);
      const stateLine = remembered.has(key) ? [`  the detector's state remembers of it: ${remembered.get(key)}`] : [];
      return [`missed ${paymentId}, payer ${missedEvent.payerId}; the payer's events as the topic holds them:`, ...events, '  flags on the payer:', ...(flags.length ? flags : ['    none']), ...stateLine].join('\n');
    })
    .join('\n');
}

/** What the payer's `seen` hash holds for each missed event (by tenant and payment), in words. */
async function rememberedOf(state: StateLocation, missedEvents: ReadonlyMap<string, MissedEvent>): Promise<Map<string, string>> {
  const remembered = new Map<string, string>();
  const redis = createRedis(state.redisUrl, 'missed-mistakes-reader');
  try {
    for (const [key, { tenantId, payerId, eventId }] of missedEvents) {
      const stored = await redis.hget(payerKeys(state.redisPrefix, tenantId, payerId).seen, eventId);
      remembered.set(key, stored === null ? 'nothing: never observed, or forgotten'
        : stored.startsWith('S:') ? `a snapshot of ${stored.length} bytes: observed, its flags never recorded`
        : `the flags it recorded: ${stored.slice(2)}`);
    }
  } finally {
    redis.disconnect();
  }
  return remembered;
}
