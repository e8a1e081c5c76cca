import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { commonEnv } from '@backstop/config';
import { KAFKA_VERSION } from '../kafka/broker';
import { SERVICES } from '../dev/service-process';

/** docker-compose.yml cannot run on machines without Docker; this keeps it honest by reading it. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
    services: Record<string, { image?: string; command?: string[]; environment?: Record<string, unknown>; depends_on?: Record<string, unknown>; stop_grace_period?: string }>;
  };

  it('runs every Backstop service from its own entry point', () => {
    for (const name of SERVICES) {
      const service = compose.services[name];
      expect(service, name).toBeDefined();
      expect(service!.command).toContain(`services/${name}/src/index.ts`);
      expect(service!.depends_on).toHaveProperty('bootstrap');
    }
  });

  it('runs the same Kafka version the project pins, in KRaft mode, plus Redis and Postgres', () => {
    expect(compose.services.kafka?.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(compose.services.kafka?.environment?.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(compose.services.redis?.image).toMatch(/^redis:/);
    expect(compose.services.postgres?.image).toMatch(/^postgres:/);
  });

  it('points every service at the compose network, not at localhost', () => {
    for (const name of SERVICES) {
      const env = compose.services[name]!.environment!;
      expect(env.KAFKA_BROKERS).toBe('kafka:9092');
      expect(String(env.DATABASE_URL)).toContain('@postgres:5432/');
    }
  });

  it('waits longer than a service\'s own shutdown bound before killing it', () => {
    const boundMs = z.object(commonEnv).parse({}).SHUTDOWN_TIMEOUT_MS;
    for (const name of SERVICES) {
      const grace = /^(\d+)s$/.exec(compose.services[name]!.stop_grace_period ?? '');
      expect(grace, name).not.toBeNull();
      expect(Number(grace![1]) * 1000, name).toBeGreaterThan(boundMs);
    }
  });
});
