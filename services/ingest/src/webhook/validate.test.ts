import { describe, expect, it } from 'vitest';
import { Problem } from '@backstop/http';
import { parseBatchEnvelope, parseJson, validateEvent, type Bounds } from './validate';

const now = Date.parse('2026-03-01T12:00:00Z');
const bounds: Bounds = { nowMs: now, maxFutureSkewMs: 5 * 60_000, maxAgeMs: 7 * 86_400_000 };

function payment(data: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) {
  return {
    id: 'evt_1',
    type: 'payment.succeeded',
    occurredAt: '2026-03-01T11:59:00Z',
    data: { paymentId: 'pay_1', orderId: 'ord_1', payerId: 'u_1', merchantId: 'm_1', kind: 'purchase', quantity: 1, unitPrice: 3000, amount: 3000, currency: 'CNY', ...data },
    ...envelope,
  };
}

function rejection(run: () => unknown): Problem {
  try {
    run();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('validateEvent', () => {
  it('accepts a well-formed payment without marks', () => {
    expect(validateEvent(payment(), 'evt_1', bounds)).toMatchObject({ event: { id: 'evt_1' }, marks: [] });
  });

  it('marks amount ≠ unitPrice × quantity instead of rejecting it', () => {
    expect(validateEvent(payment({ quantity: 3, unitPrice: 1000, amount: 30000 }), undefined, bounds).marks).toEqual(['amount_mismatch']);
  });

  it('names an unknown event type as such', () => {
    const problem = rejection(() => validateEvent(payment({}, { type: 'payment.pending' }), undefined, bounds));
    expect(problem.reason).toBe('unknown-event-type');
  });

  it('lists every offending field by JSON path', () => {
    const problem = rejection(() => validateEvent(payment({ amount: 1.5, currency: 'ABC', coupon: 'x' }), undefined, bounds));
    expect(problem.reason).toBe('invalid-event');
    const paths = (problem.extensions.errors as { path: string }[]).map((error) => error.path);
    expect(paths).toEqual(expect.arrayContaining(['$.data.amount', '$.data.currency', '$.data.coupon']));
  });

  it.each([
    ['2026-03-01T12:05:01Z', 'occurred-in-future'],
    ['2026-02-22T11:59:59Z', 'occurred-too-long-ago'],
  ])('rejects occurredAt %s as %s', (occurredAt, reason) => {
    expect(rejection(() => validateEvent(payment({}, { occurredAt }), undefined, bounds)).reason).toBe(reason);
  });

  it('accepts occurredAt right at the bounds', () => {
    for (const occurredAt of ['2026-03-01T12:05:00Z', '2026-02-22T12:00:00Z']) {
      expect(validateEvent(payment({}, { occurredAt }), undefined, bounds).event.occurredAt).toBe(occurredAt);
    }
  });

  it('bounds amounts by the currency\'s exponent: 10^12 major units', () => {
    expect(validateEvent(payment({ currency: 'JPY', amount: 10 ** 12, unitPrice: 10 ** 12 }), undefined, bounds).marks).toEqual([]);
    expect(rejection(() => validateEvent(payment({ currency: 'JPY', amount: 10 ** 12 + 1, unitPrice: undefined }), undefined, bounds)).reason).toBe('amount-out-of-range');
    expect(validateEvent(payment({ currency: 'KWD', amount: 10 ** 15, unitPrice: 10 ** 15 }), undefined, bounds).marks).toEqual([]);
  });

  it('bounds refund outcomes\' amounts as it bounds payments\'', () => {
    const outcome = (type: 'refund.succeeded' | 'refund.failed', amount: number, currency: string) => ({
      id: 'evt_1', type, occurredAt: '2026-03-01T11:59:00Z',
      data: { paymentId: 'pay_1', payerId: 'u_1', amount, currency, decisionId: '7b0f4a4e-61b2-4c59-9b1e-3d3f0c3e5a10' },
    });
    for (const type of ['refund.succeeded', 'refund.failed'] as const) {
      expect(validateEvent(outcome(type, 10 ** 12, 'JPY'), undefined, bounds).event.type).toBe(type);
      expect(validateEvent(outcome(type, 10 ** 14, 'CNY'), undefined, bounds).event.type).toBe(type);
      for (const [amount, currency] of [[10 ** 13, 'JPY'], [10 ** 14 + 1, 'CNY'], [Number.MAX_SAFE_INTEGER, 'CNY']] as const) {
        const problem = rejection(() => validateEvent(outcome(type, amount, currency), undefined, bounds));
        expect(problem.reason, `${type} ${amount} ${currency}`).toBe('amount-out-of-range');
        expect(problem.extensions.errors).toEqual([{ path: '$.data.amount', message: expect.stringContaining(currency) }]);
      }
    }
  });

  it('requires the body id to match webhook-id when one is given', () => {
    expect(rejection(() => validateEvent(payment(), 'evt_2', bounds)).reason).toBe('event-id-mismatch');
  });
});

describe('parseJson and parseBatchEnvelope', () => {
  it('turns malformed JSON into a 400', () => {
    expect(rejection(() => parseJson(Buffer.from('{"a":'))).status).toBe(400);
  });

  it('passes over a leading UTF-8 byte order mark, and only a leading one', () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    expect(parseJson(Buffer.concat([bom, Buffer.from('{"sku":"腾讯Q币-100"}')]))).toEqual({ sku: '腾讯Q币-100' });
    expect(rejection(() => parseJson(Buffer.concat([Buffer.from('{"a":1}'), bom]))).reason).toBe('malformed-json');
    expect(rejection(() => parseJson(Buffer.concat([bom, bom, Buffer.from('{}')]))).reason).toBe('malformed-json');
  });

  it('takes 1 to 500 events and nothing else', () => {
    expect(parseBatchEnvelope({ events: [1, 2] })).toEqual([1, 2]);
    for (const body of [{ events: [] }, { events: new Array(501).fill({}) }, { events: [{}], extra: 1 }, [], null]) {
      expect(rejection(() => parseBatchEnvelope(body)).reason).toBe('invalid-batch');
    }
  });
});
