/**
 * The testcontainers path, for machines with a Docker engine but without local Redis,
 * Postgres or a Java toolchain for Kafka. Development machines and CI of this project run
 * those services natively, so this path is written for other machines and not taken there.
 */
import { existsSync } from 'node:fs';
import { KAFKA_VERSION } from '../../infra/kafka/broker';

export async function dockerAvailable(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

export interface StartedContainers {
  redisUrl?: string;
  databaseUrl?: string;
  kafkaBrokers?: string[];
  stop: () => Promise<void>;
}

export async function startContainers(missing: { redis: boolean; postgres: boolean; kafka: boolean }): Promise<StartedContainers> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const started: { stop: () => Promise<unknown> }[] = [];
  const result: StartedContainers = { stop: async () => { for (const c of started) await c.stop(); } };
  if (missing.redis) {
    const redis = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
    started.push(redis);
    result.redisUrl = `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`;
  }
  if (missing.postgres) {
    const postgres = await new GenericContainer('postgres:16-alpine')
      .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
      .withExposedPorts(5432)
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .start();
    started.push(postgres);
    result.databaseUrl = `postgres://postgres@${postgres.getHost()}:${postgres.getMappedPort(5432)}/postgres`;
  }
  if (missing.kafka) {
    // The advertised listener must be the mapped host port, so the port is fixed up front.
    const hostPort = 19092;
    const kafka = await new GenericContainer(`apache/kafka:${KAFKA_VERSION}`)
      .withExposedPorts({ container: 19092, host: hostPort })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:19092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${hostPort}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start();
    started.push(kafka);
    result.kafkaBrokers = [`127.0.0.1:${hostPort}`];
  }
  return result;
}
