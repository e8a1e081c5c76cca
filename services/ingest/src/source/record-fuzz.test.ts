import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Problem } from '@backstop/http';
import { nameWithRefusedCharacter, platformName } from '../../../../test/support/unicode-names';
import { parseJson, validateEvent } from '../webhook/validate';
import { exampleMapping } from '../../../../test/support/example-mapping';
import { applyMapping, type SourceMapping } from './mapping';

/**
 * A platform topic carries whatever its producers wrote. The source consumer dead-letters a
 * record that fails with a Problem and replays the batch on anything else, so any other
 * failure on a bad record would stall its partition for good.
 */
const mapping = exampleMapping;
const bounds = { nowMs: Date.parse('2026-06-01T00:00:00Z'), maxFutureSkewMs: 300_000, maxAgeMs: 7 * 86_400_000 };

/** Records shaped like the mapped ones, with every field free to be anything. */
const nearlyRight = fc.record({
  eventNo: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
  paidAtMs: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(bounds.nowMs)),
  payment: fc.oneof(fc.record({ no: fc.anything(), fen: fc.oneof(fc.string(), fc.double(), fc.bigInt().map(String)) }), fc.anything()),
  order: fc.anything(),
  user: fc.oneof(fc.record({ uid: fc.anything() }), fc.anything()),
});

function outcomeOf(bytes: Buffer, withMapping: SourceMapping | undefined): 'event' | 'problem' {
  try {
    validateEvent(applyMapping(parseJson(bytes), withMapping), undefined, bounds);
    return 'event';
  } catch (error) {
    expect(error).toBeInstanceOf(Problem);
    expect((error as Problem).status).toBeLessThan(500);
    return 'problem';
  }
}

describe('a platform topic record, whatever its bytes', () => {
  it('becomes an event or a named problem, never another failure', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)), fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? ''))), fc.boolean(), (bytes, mapped) => {
        outcomeOf(bytes, mapped ? mapping : undefined);
      }),
      { numRuns: 1_000 },
    );
  });

  it('does so for records shaped like the mapped ones, with hostile values in every field', () => {
    const outcomes = new Set<string>();
    fc.assert(
      fc.property(nearlyRight, (record) => {
        outcomes.add(outcomeOf(Buffer.from(JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value)) ?? ''), mapping));
      }),
      { numRuns: 1_000 },
    );
    expect(outcomes).toContain('problem');
  });

  it("carries a platform's own Unicode order and user ids into the event NFC-normalised, and refuses them with a refused character", () => {
    const record = (orderNo: string, uid: string) =>
      Buffer.from(JSON.stringify({ eventNo: 'evt_1', paidAtMs: bounds.nowMs, payment: { no: 'pay_1', fen: '3000' }, order: { no: orderNo }, user: { uid } }));
    fc.assert(
      fc.property(platformName(), platformName(), (orderNo, uid) => {
        const { event } = validateEvent(applyMapping(parseJson(record(orderNo.normalize('NFD'), uid)), mapping), undefined, bounds);
        expect(event.data).toMatchObject({ orderId: orderNo.normalize('NFC'), payerId: uid.normalize('NFC') });
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(nameWithRefusedCharacter(), platformName(), fc.boolean(), (refused, valid, inOrder) => {
        const bytes = inOrder ? record(refused, valid) : record(valid, refused);
        const problem = (() => {
          try {
            validateEvent(applyMapping(parseJson(bytes), mapping), undefined, bounds);
          } catch (error) {
            return error;
          }
        })();
        expect(problem).toBeInstanceOf(Problem);
        expect((problem as Problem).extensions.errors).toEqual([{ path: inOrder ? '$.data.orderId' : '$.data.payerId', message: expect.any(String) }]);
      }),
      { numRuns: 500 },
    );
  });
});
