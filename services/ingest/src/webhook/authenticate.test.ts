import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, sign } from '@backstop/signing';
import { checkSignature, checkTimestamp, readWebhookHeaders } from './authenticate';

describe('checkTimestamp', () => {
  const now = 1_770_000_000_000;
  it('accepts a timestamp within the tolerance either side', () => {
    expect(() => checkTimestamp(String(now / 1000 - 300), 300, now)).not.toThrow();
    expect(() => checkTimestamp(String(now / 1000 + 300), 300, now)).not.toThrow();
  });
  it.each(['1769999699', '1770000301'])('refuses %s as stale', (timestamp) => {
    expect(() => checkTimestamp(timestamp, 300, now)).toThrow(expect.objectContaining({ reason: 'stale-timestamp' }));
  });

  it.each(['1770000000.123', '+1770000000', '1.77e9', '1e9', '-5', 'abc', '', ' 1770000000', '1770000000000'])('says %s is not integer seconds, even when it is about now', (timestamp) => {
    expect(() => checkTimestamp(timestamp, 300, now)).toThrow(expect.objectContaining({ status: 401, reason: 'invalid-timestamp', detail: expect.stringContaining('integer count of seconds') }));
  });
});

describe('checkSignature', () => {
  const secret = generateWebhookSecret();
  const body = Buffer.from('{"id":"evt_1"}');
  const headers = (signature: string) => ({ tenantId: 't', eventId: 'evt_1', timestamp: '1770000000', signature });

  it('accepts any matching v1 signature against any active secret', () => {
    const old = generateWebhookSecret();
    const signature = `v1,bm90IGEgc2lnbmF0dXJl ${sign(old, 'evt_1', 1_770_000_000, body)}`;
    expect(() => checkSignature([secret, old], headers(signature), body)).not.toThrow();
  });

  it('refuses a signature over other bytes, another id, or no secrets at all', () => {
    const signature = sign(secret, 'evt_1', 1_770_000_000, body);
    expect(() => checkSignature([secret], headers(signature), Buffer.from('{"id":"evt_1" }'))).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => checkSignature([secret], { ...headers(signature), eventId: 'evt_2' }, body)).toThrow(expect.objectContaining({ status: 401 }));
    expect(() => checkSignature([], headers(signature), body)).toThrow(expect.objectContaining({ reason: 'invalid-signature' }));
  });
});

describe('readWebhookHeaders', () => {
  it.each(['v1=abc', 'sha256=abc', 'abc', 'V1,abc', 'v1:abc', 'v1,', 'v1a,abc'])('says a signature header without a "v1," signature (%s) has the wrong form, whatever the tenant', (signature) => {
    for (const tenant of ['cardshop', 'Not A Tenant']) {
      const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': '1', 'webhook-signature': signature, 'x-tenant-id': tenant };
      expect(() => readWebhookHeaders(headers)).toThrow(expect.objectContaining({ reason: 'invalid-signature', detail: expect.stringContaining('v1,<base64') }));
    }
  });

  it('names the headers missing, x-tenant-id included, and all four it wants', () => {
    const all = { 'x-tenant-id': 'cardshop', 'webhook-id': 'evt_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };
    for (const name of Object.keys(all)) {
      const { [name as keyof typeof all]: _left, ...headers } = all;
      expect(() => readWebhookHeaders(headers), name).toThrow(expect.objectContaining({
        status: 401, reason: 'missing-signature',
        detail: expect.stringMatching(new RegExp(`^Missing ${name}:.*x-tenant-id, webhook-id, webhook-timestamp, webhook-signature`)),
      }));
    }
    expect(() => readWebhookHeaders({})).toThrow(expect.objectContaining({ extensions: { missingHeaders: Object.keys(all) } }));
  });

  it('answers a malformed tenant id exactly like a bad signature', () => {
    const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x', 'x-tenant-id': 'Not A Tenant' };
    expect(() => readWebhookHeaders(headers)).toThrow(expect.objectContaining({ reason: 'invalid-signature' }));
  });
});
