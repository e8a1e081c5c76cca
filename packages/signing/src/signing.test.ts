import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, sign, signedHeaders, verifySignature } from './index';

const body = Buffer.from('{"id":"evt_1","type":"payment.succeeded"}');

describe('Standard Webhooks signatures', () => {
  it('verifies what the reference standardwebhooks package signs', () => {
    const secret = generateWebhookSecret();
    const timestamp = new Date();
    const signature = new Webhook(secret).sign('evt_1', timestamp, body.toString());
    expect(verifySignature([secret], 'evt_1', String(Math.floor(timestamp.getTime() / 1000)), signature, body)).toBe(true);
  });

  it('signs what the reference package verifies', () => {
    const secret = generateWebhookSecret();
    const headers = signedHeaders(secret, 'evt_2', body.toString());
    expect(() => new Webhook(secret).verify(body.toString(), headers)).not.toThrow();
  });

  it('rejects another secret, another id, another timestamp and altered bytes', () => {
    const secret = generateWebhookSecret();
    const signature = sign(secret, 'evt_1', 1_800_000_000, body);
    expect(verifySignature([generateWebhookSecret()], 'evt_1', '1800000000', signature, body)).toBe(false);
    expect(verifySignature([secret], 'evt_9', '1800000000', signature, body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000001', signature, body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000000', signature, Buffer.concat([body, Buffer.from(' ')]))).toBe(false);
  });

  it('rejects a signature one byte off in its last byte, and one shorter or longer than a digest', () => {
    const secret = generateWebhookSecret();
    const digest = Buffer.from(sign(secret, 'evt_1', 1_800_000_000, body).slice(3), 'base64');
    const lastByteFlipped = Buffer.from(digest);
    lastByteFlipped[lastByteFlipped.length - 1]! ^= 0x01;
    const as = (bytes: Buffer) => `v1,${bytes.toString('base64')}`;
    expect(verifySignature([secret], 'evt_1', '1800000000', as(digest), body)).toBe(true);
    expect(verifySignature([secret], 'evt_1', '1800000000', as(lastByteFlipped), body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000000', as(digest.subarray(0, digest.length - 1)), body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000000', as(Buffer.concat([digest, Buffer.from([0])])), body)).toBe(false);
  });

  it('accepts any of several signatures and any of two active secrets, for rotation', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const both = `${sign(oldSecret, 'evt_1', 1_800_000_000, body)} ${sign(newSecret, 'evt_1', 1_800_000_000, body)}`;
    expect(verifySignature([newSecret], 'evt_1', '1800000000', both, body)).toBe(true);
    expect(verifySignature([newSecret, oldSecret], 'evt_1', '1800000000', sign(oldSecret, 'evt_1', 1_800_000_000, body), body)).toBe(true);
  });

  it('ignores signature schemes other than v1 and garbage', () => {
    const secret = generateWebhookSecret();
    const digest = sign(secret, 'evt_1', 1_800_000_000, body).slice(3);
    expect(verifySignature([secret], 'evt_1', '1800000000', `v2,${digest}`, body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000000', 'v1,', body)).toBe(false);
    expect(verifySignature([secret], 'evt_1', '1800000000', '', body)).toBe(false);
  });
});
