import { describe, expect, it } from 'vitest';
import { exampleMapping } from '../../../../test/support/example-mapping';
import { applyMapping, SourceTopics, type SourceMapping } from './mapping';

const mapping = exampleMapping;

describe('applyMapping', () => {
  it('builds a contract event from a platform record', () => {
    const record = { eventNo: 'E1', paidAtMs: 1_767_225_600_000, payment: { no: 'P1', fen: '3000' }, order: { no: 'O1' }, user: { uid: 42 } };
    expect(applyMapping(record, mapping)).toEqual({
      id: 'E1',
      type: 'payment.succeeded',
      occurredAt: '2026-01-01T00:00:00.000Z',
      data: { paymentId: 'P1', orderId: 'O1', payerId: '42', merchantId: 'm_self', kind: 'purchase', amount: 3000, currency: 'CNY' },
    });
  });

  it('leaves out what the record lacks and passes unconvertible values through for validation to name', () => {
    const event = applyMapping({ eventNo: 'E2', paidAtMs: 'yesterday', payment: { fen: '12.5' } }, mapping) as Record<string, any>;
    expect(event.occurredAt).toBe('yesterday');
    expect(event.data.amount).toBe('12.5');
    expect(event.data).not.toHaveProperty('paymentId');
  });

  it('does not read inherited properties', () => {
    expect(applyMapping({}, { id: 'constructor.name' })).toEqual({});
  });

  it('passes records through unchanged without a mapping', () => {
    const record = { id: 'x' };
    expect(applyMapping(record, undefined)).toBe(record);
  });
});

describe('SourceTopics', () => {
  it('gives each topic to one tenant only', () => {
    expect(SourceTopics.safeParse([{ tenantId: 'a', topic: 't' }, { tenantId: 'b', topic: 't' }]).success).toBe(false);
    expect(SourceTopics.safeParse([{ tenantId: 'a', topic: 't' }, { tenantId: 'a', topic: 'u', mapping }]).success).toBe(true);
  });
});
