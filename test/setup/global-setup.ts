/**
 * Makes sure Kafka, Redis and Postgres are reachable before any test runs:
 * - KAFKA_BROKERS / REDIS_URL / DATABASE_URL, when set, are used as they are;
 * - otherwise the local ones (Redis and Postgres run on every development machine and CI);
 *   a Kafka broker is started from the Maven Central artifacts when none is listening;
 * - where neither works but a Docker engine does, testcontainers starts what is missing.
 * A broker this setup started is stopped when the run ends.
 */
import { spawnSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { defaultBrokerOptions, isPortOpen, startBroker, waitForBroker } from '../../infra/kafka/broker';
import { dockerAvailable, startContainers } from './containers';
import { createKafka, waitForCoordinators } from '@backstop/kafka';
import { createLogger } from '@backstop/logging';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string[];
    redisUrl: string;
    databaseUrl: string;
  }
}

function hostPort(url: string, fallbackPort: number): [string, number] {
  const parsed = new URL(url);
  return [parsed.hostname, Number(parsed.port || fallbackPort)];
}

function javaAvailable(): boolean {
  return ['java', 'mvn'].every((tool) => spawnSync(tool, ['-version'], { stdio: 'ignore' }).status === 0);
}

export default async function setup(project: TestProject) {
  const stops: (() => Promise<unknown>)[] = [];
  let redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  let kafkaBrokers = process.env.KAFKA_BROKERS?.split(',');

  const redisUp = await isPortOpen(...hostPort(redisUrl, 6379).reverse() as [number, string]);
  const postgresUp = await isPortOpen(...hostPort(databaseUrl, 5432).reverse() as [number, string]);
  const brokerOptions = defaultBrokerOptions();
  const kafkaUp = kafkaBrokers !== undefined || (await isPortOpen(brokerOptions.port));

  const missing = { redis: !redisUp, postgres: !postgresUp, kafka: !kafkaUp && !javaAvailable() };
  if ((missing.redis || missing.postgres || missing.kafka) && (await dockerAvailable())) {
    const started = await startContainers(missing);
    redisUrl = started.redisUrl ?? redisUrl;
    databaseUrl = started.databaseUrl ?? databaseUrl;
    kafkaBrokers = started.kafkaBrokers ?? kafkaBrokers;
    stops.push(started.stop);
  }

  if (!kafkaBrokers) {
    if (await isPortOpen(brokerOptions.port)) {
      kafkaBrokers = [`127.0.0.1:${brokerOptions.port}`];
    } else {
      const broker = await startBroker(brokerOptions, { log: (line) => console.log(line) });
      kafkaBrokers = broker.brokers;
      stops.push(() => broker.stop());
    }
  }
  await waitForBroker(kafkaBrokers);
  // Once for the run, not per test file: a broker this setup started is still loading its coordinators.
  await waitForCoordinators(createKafka(kafkaBrokers, 'backstop-test-setup', createLogger('test-setup', 'warn')));

  project.provide('kafkaBrokers', kafkaBrokers);
  project.provide('redisUrl', redisUrl);
  project.provide('databaseUrl', databaseUrl);
  return async () => {
    for (const stop of stops.reverse()) await stop();
  };
}
