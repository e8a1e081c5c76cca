import { amountMismatch, MAX_BATCH_EVENTS, WebhookEvent, type EventMark } from '@backstop/contracts';
import { currencyExponent } from '@backstop/messages';
import { z } from 'zod';
import { Problem } from '@backstop/http';
import { fieldErrors } from './field-errors';
import { refuseDuplicateKeys, utf8Text } from './json-text';
import { withoutNullOptionals } from './null-as-absent';

export interface Bounds {
  nowMs: number;
  maxFutureSkewMs: number;
  maxAgeMs: number;
}

/**
 * The JSON of a body already verified: UTF-8 (a leading byte order mark is passed over, as
 * RFC 8259 allows) with no member name twice in one object.
 */
export function parseJson(rawBody: Buffer): unknown {
  const text = utf8Text(rawBody);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new Problem(400, 'malformed-json', 'Malformed JSON', (error as Error).message);
  }
  refuseDuplicateKeys(text);
  return body;
}

/** Only the batch's shape: each event in it is validated, and answered, on its own. */
const BatchEnvelope = z.strictObject({ events: z.array(z.unknown()).min(1).max(MAX_BATCH_EVENTS) });

export function parseBatchEnvelope(body: unknown): unknown[] {
  const parsed = BatchEnvelope.safeParse(body);
  if (!parsed.success) {
    throw new Problem(422, 'invalid-batch', 'Batch does not match the contract', `Send {"events": [...]} with 1 to ${MAX_BATCH_EVENTS} events.`, {
      errors: fieldErrors(parsed.error),
    });
  }
  return parsed.data.events;
}

/**
 * The largest amount a single payment or refund may carry: a trillion major units of its currency.
 * Kept per currency: the power of ten is worked out once.
 */
const minorUnitLimits = new Map<string, number>();
export function maxMinorUnits(currency: string): number {
  let limit = minorUnitLimits.get(currency);
  if (limit === undefined) {
    limit = 10 ** (12 + currencyExponent(currency));
    minorUnitLimits.set(currency, limit);
  }
  return limit;
}

/**
 * Checks one event against the contract and the sanity bounds. Returns the event and the
 * marks ingest attaches to it (observations that are not reasons to reject).
 */
export function validateEvent(body: unknown, eventIdHeader: string | undefined, bounds: Bounds): { event: WebhookEvent; marks: EventMark[] } {
  const parsed = WebhookEvent.safeParse(withoutNullOptionals(body, WebhookEvent));
  if (!parsed.success) {
    const unknownType = parsed.error.issues.some((issue) => issue.code === 'invalid_union' && issue.path.join('.') === 'type');
    throw new Problem(
      422,
      unknownType ? 'unknown-event-type' : 'invalid-event',
      unknownType ? 'Unknown event type' : 'Event does not match the contract',
      unknownType ? 'type must be one of payment.succeeded, order.delivered, refund.succeeded, refund.failed.' : undefined,
      { errors: fieldErrors(parsed.error) },
    );
  }
  const event = parsed.data;
  if (eventIdHeader !== undefined && event.id !== eventIdHeader) {
    throw new Problem(422, 'event-id-mismatch', 'Event id does not match webhook-id', undefined, {
      errors: [{ path: '$.id', message: 'must equal the webhook-id header' }],
    });
  }
  const occurredMs = Date.parse(event.occurredAt);
  if (occurredMs > bounds.nowMs + bounds.maxFutureSkewMs) {
    throw new Problem(422, 'occurred-in-future', 'occurredAt is in the future', undefined, {
      errors: [{ path: '$.occurredAt', message: `more than ${bounds.maxFutureSkewMs / 1000} s ahead of now` }],
    });
  }
  if (occurredMs < bounds.nowMs - bounds.maxAgeMs) {
    throw new Problem(422, 'occurred-too-long-ago', 'occurredAt is too old', undefined, {
      errors: [{ path: '$.occurredAt', message: `older than ${bounds.maxAgeMs / 1000} s` }],
    });
  }
  for (const [field, value, currency] of boundedAmounts(event)) {
    const limit = maxMinorUnits(currency);
    if (value !== undefined && value > limit) {
      throw new Problem(422, 'amount-out-of-range', 'Amount out of range', undefined, {
        errors: [{ path: `$.data.${field}`, message: `above ${limit} minor units of ${currency}` }],
      });
    }
  }
  const marks: EventMark[] = [];
  if (event.type === 'payment.succeeded' && amountMismatch(event.data)) marks.push('amount_mismatch');
  return { event, marks };
}

/**
 * Every amount an event carries, with its field and currency: the bound holds for money
 * coming back as much as for money going out, or one refund would carry what no payment may.
 */
function boundedAmounts(event: WebhookEvent): [field: string, value: number | undefined, currency: string][] {
  switch (event.type) {
    case 'payment.succeeded': {
      const { data } = event;
      return [['amount', data.amount, data.currency], ['unitPrice', data.unitPrice, data.currency], ['orderAmount', data.orderAmount, data.currency]];
    }
    case 'refund.succeeded':
    case 'refund.failed':
      return [['amount', event.data.amount, event.data.currency]];
    case 'order.delivered':
      return [];
  }
}
