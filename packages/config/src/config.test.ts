import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnv, loadConfig } from './index';

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
});
