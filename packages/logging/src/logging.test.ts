import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactedPaths } from './index';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
  const logger = pino({ redact: { paths: redactedPaths, censor: REDACTED } }, stream);
  return { logger, lines };
}

describe('log redaction', () => {
  it('masks secrets, keys and account numbers wherever services put them', () => {
    const { logger, lines } = capture();
    logger.info({
      secret: 'whsec_top',
      tenant: { apiKey: 'bsk_123', secret: 'whsec_nested' },
      req: { headers: { authorization: 'Bearer bsk_456', 'webhook-signature': 'v1,abc' } },
      event: { data: { recipientAccount: '8000123456' } },
      payment: { recipientAccount: '8000654321' },
      config: { KAFKA_SASL_PASSWORD: 'scram-pass-1', KAFKA_SASL_USERNAME: 'backstop' },
      client: { sasl: { mechanism: 'scram-sha-512', username: 'backstop', password: 'scram-pass-2' } },
    }, 'incoming');
    const line = lines.join('');
    for (const secret of ['whsec_top', 'bsk_123', 'whsec_nested', 'bsk_456', 'v1,abc', '8000123456', '8000654321', 'scram-pass-1', 'scram-pass-2']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain(REDACTED);
    // The user name says which credentials are in use; only the password is secret.
    expect(line).toContain('backstop');
  });
});
