import { describe, expect, it } from 'vitest';
import { receivedAtOf } from './observers';

describe('receivedAtOf', () => {
  it('reads the receivedAt an accepted event carries, as ingest writes it', () => {
    const value = Buffer.from(JSON.stringify({ v: 1, tenantId: 'acme', receivedAt: '2026-12-02T03:04:05.678Z', marks: [], event: { id: 'evt_1', data: { receivedAt: 'not this one' } } }));
    expect(receivedAtOf(value)).toBe('2026-12-02T03:04:05.678Z');
  });

  it('gives nothing for a message without one near its start', () => {
    expect(receivedAtOf(Buffer.from('{"v":1}'))).toBeUndefined();
    expect(receivedAtOf(Buffer.from(`{"padding":"${'x'.repeat(300)}","receivedAt":"2026-12-02T03:04:05.678Z"}`))).toBeUndefined();
    expect(receivedAtOf(Buffer.from('{"receivedAt":"'))).toBeUndefined();
  });
});
