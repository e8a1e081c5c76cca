import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkKafkaSecurity, commonEnv, loadConfig } from './index';

describe('configuration', () => {
  it('fills defaults and coerces values', () => {
    const config = loadConfig(z.object(commonEnv), { KAFKA_BROKERS: 'a:1, b:2' });
    expect(config.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(config.REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('stops the process with one line naming a malformed variable', () => {
    const service = fileURLToPath(new URL('../../../services/console/src/index.ts', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', service], {
      env: { ...process.env, REDIS_URL: 'not a url', KAFKA_BROKERS: 'no-port' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(78);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^invalid configuration: .*KAFKA_BROKERS.*REDIS_URL/);
  });

  describe('Kafka TLS and SASL settings', () => {
    const schema = z.object(commonEnv).superRefine(checkKafkaSecurity);
    const problems = (env: Record<string, string>) => schema.safeParse(env).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    const thisFile = fileURLToPath(import.meta.url);

    it('accepts SCRAM over TLS with a private CA, and nothing at all', () => {
      expect(problems({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: thisFile, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toEqual([]);
      expect(schema.parse({}).KAFKA_SSL).toBe(false);
    });

    it.each([
      [{ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD: is required with KAFKA_SASL_MECHANISM=scram-sha-256'],
      [{ KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_PASSWORD: is set but KAFKA_SASL_MECHANISM is not'],
      [{ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }, 'KAFKA_SASL_MECHANISM: plain sends the password in the clear: set KAFKA_SSL=true as well'],
      [{ KAFKA_SSL_CA_FILE: thisFile }, 'KAFKA_SSL_CA_FILE: is set but KAFKA_SSL is not true'],
      [{ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.pem' }, 'KAFKA_SSL_CA_FILE: no such file: /nonexistent/ca.pem'],
      [{ KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: thisFile }, 'KAFKA_SSL_KEY_FILE: a client certificate needs both KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE'],
      [{ KAFKA_SSL: 'maybe' }, 'KAFKA_SSL'],
    ])('refuses %j, naming the variable', (env, expected) => {
      expect(problems(env).join('; ')).toContain(expected);
    });
  });
});
