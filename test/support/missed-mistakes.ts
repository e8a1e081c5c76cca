import { topicName } from '@backstop/contracts';
import { createKafka, readToEnd } from '@backstop/kafka';
import { payerKeys } from '@backstop/detection';
import { createLogger } from '@backstop/logging';
import { createRedis } from '@backstop/redis';
import type { InvariantReport } from '../../infra/tools/invariants/invariants';

const logger = createLogger('test', process.env.TEST_LOG_LEVEL ?? 'warn');

/** The payment id in a "every planted mistake was flagged" violation's detail. */
const PAYMENT_IN_DETAIL = /on payment (\S+) \(/;


/**
 * For each planted mistake the report says went unflagged: its payer's events in the order
 * the events topic holds them (each with its partition and how many messages of that
 * partition were read before it), every flag raised on that payer, and what the detector's
 * state remembers of the missed event: nothing (never observed), a snapshot (observed, its
 * flags never recorded) or the flags it recorded.
 * This is what separates a stream that reached the detector out of order, or twice, from a
 * rule that judged a well-ordered stream wrongly.
 */
export interface StateLocation {
  redisUrl: string;
  redisPrefix: string;
}

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
  const missed = report.violations
    .filter((violation) => violation.invariant === 'every planted mistake was flagged')
    .map((violation) => PAYMENT_IN_DETAIL.exec(violation.detail)?.[1])
    .filter((paymentId): paymentId is string => paymentId !== undefined);
  if (missed.length === 0) return '';

  const kafka = createKafka(brokers, 'missed-mistakes-reader', logger);
  const eventsByPayer = new Map<string, string[]>();
  const payerOfPayment = new Map<string, string>();
  const eventOfPayment = new Map<string, { tenantId: string; eventId: string }>();
  const positionInPartition = new Map<number, number>();
  await readToEnd(kafka, topicName('paymentEvents', topicPrefix), (value, partition) => {
    const position = positionInPartition.get(partition) ?? 0;
    positionInPartition.set(partition, position + 1);
    const ingested = parse(value) as { receivedAt?: string; event?: { id?: string; type?: string; occurredAt?: string; data?: Record<string, unknown> } } | undefined;
    const data = ingested?.event?.data;
    if (typeof data?.payerId !== 'string') return;
    if (typeof data.paymentId === 'string' && ingested?.event?.type === 'payment.succeeded') {
      payerOfPayment.set(data.paymentId, data.payerId);
      eventOfPayment.set(data.paymentId, { tenantId: (ingested as { tenantId?: string }).tenantId ?? '', eventId: ingested.event.id ?? '' });
    }
    const fields = ['orderId', 'paymentId', 'amount', 'unitPrice', 'quantity', 'sku', 'category', 'recipientVerified'].map((field) => (data[field] === undefined ? '' : `${field}=${String(data[field])}`));
    const lines = eventsByPayer.get(data.payerId) ?? [];
    lines.push(`partition ${partition}, message ${position} read: ${ingested!.event!.type} ${ingested!.event!.id} occurred ${ingested!.event!.occurredAt} received ${ingested!.receivedAt} ${fields.filter(Boolean).join(' ')}`);
    eventsByPayer.set(data.payerId, lines);
  });
  const flagsByPayer = new Map<string, string[]>();
  await readToEnd(kafka, topicName('flags', topicPrefix), (value) => {
    const flag = parse(value) as { flagId?: string; type?: string; flaggedAt?: string; stateRebuilding?: boolean; payment?: { payerId?: string; paymentId?: string } } | undefined;
    const payerId = flag?.payment?.payerId;
    if (payerId === undefined) return;
    const lines = flagsByPayer.get(payerId) ?? [];
    lines.push(`${flag!.type} on ${flag!.payment!.paymentId} flagged ${flag!.flaggedAt} id ${flag!.flagId}${flag!.stateRebuilding ? ' (state rebuilding)' : ''}`);
    flagsByPayer.set(payerId, lines);
  });

  const remembered = new Map<string, string>();
  if (state) {
    const redis = createRedis(state.redisUrl, 'missed-mistakes-reader');
    try {
      for (const paymentId of missed) {
        const payerId = payerOfPayment.get(paymentId);
        const event = eventOfPayment.get(paymentId);
        if (payerId === undefined || event === undefined) continue;
        const stored = await redis.hget(payerKeys(state.redisPrefix, event.tenantId, payerId).seen, event.eventId);
        remembered.set(paymentId, stored === null ? 'nothing: never observed, or forgotten'
          : stored.startsWith('S:') ? `a snapshot of ${stored.length} bytes: observed, its flags never recorded`
          : `the flags it recorded: ${stored.slice(2)}`);
      }
    } finally {
      redis.disconnect();
    }
  }

  return missed
    .map((paymentId) => {
      const payerId = payerOfPayment.get(paymentId);
      if (payerId === undefined) return `missed ${paymentId}: not on the events topic`;
      const events = (eventsByPayer.get(payerId) ?? []).map((line) => `    ${line}`);
      const flags = (flagsByPayer.get(payerId) ?? []).map((line) => `    ${line}`);
      const state = remembered.has(paymentId) ? [`  the detector's state remembers of it: ${remembered.get(paymentId)}`] : [];
      return [`missed ${paymentId}, payer ${payerId}; the payer's events as the topic holds them:`, ...events, '  flags on the payer:', ...(flags.length ? flags : ['    none']), ...state].join('\n');
    })
    .join('\n');
}

function parse(value: string | undefined): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(value);
  } catch {
    return undefined;
  }
}
