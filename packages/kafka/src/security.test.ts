import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaSecurity } from './security';

describe('kafkaSecurity', () => {
  const dir = mkdtempSync(join(tmpdir(), 'backstop-kafka-security-'));
  const pem = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, `-----BEGIN ${name}-----\n-----END ${name}-----\n`);
    return file;
  };
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext without settings', () => {
    expect(kafkaSecurity({ KAFKA_SSL: false })).toEqual({});
  });

  it('leaves verification to Node\'s public CAs when TLS has no files of its own', () => {
    expect(kafkaSecurity({ KAFKA_SSL: true })).toEqual({ ssl: true });
  });

  it('reads the CA, client certificate and key from their files', () => {
    const security = kafkaSecurity({ KAFKA_SSL: true, KAFKA_SSL_CA_FILE: pem('CA'), KAFKA_SSL_CERT_FILE: pem('CERT'), KAFKA_SSL_KEY_FILE: pem('KEY') });
    expect(security.ssl).toEqual({ ca: expect.stringContaining('BEGIN CA'), cert: expect.stringContaining('BEGIN CERT'), key: expect.stringContaining('BEGIN KEY') });
  });

  it('passes the SASL mechanism and credentials as KafkaJS names them', () => {
    expect(kafkaSecurity({ KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'backstop', KAFKA_SASL_PASSWORD: 'p' }).sasl)
      .toEqual({ mechanism: 'scram-sha-256', username: 'backstop', password: 'p' });
  });
});
