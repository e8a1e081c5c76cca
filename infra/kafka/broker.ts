/**
 * Runs a real single-node Apache Kafka broker (KRaft, combined broker + controller) from the
 * Maven Central artifacts, so that a machine with Java 17 and Maven but no Docker can run the
 * whole system and its tests.
 *
 *   tsx infra/kafka/broker.ts fetch     resolve the jars into .cache/kafka/<version>/libs
 *   tsx infra/kafka/broker.ts start     start in the foreground (Ctrl-C stops it)
 *   tsx infra/kafka/broker.ts ensure    start in the background unless one is reachable
 *   tsx infra/kafka/broker.ts stop      stop a broker started in the background
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eventually } from '../dev/eventually';

/**
 * The newest Kafka that KafkaJS 2.2 talks to without trouble: the 4.x brokers dropped the
 * oldest protocol versions, but KafkaJS negotiates newer ones for every API it uses, and the
 * whole test suite runs against this version.
 */
export const KAFKA_VERSION = '4.4.0';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const cacheRoot = join(repoRoot, '.cache', 'kafka');

export interface BrokerOptions {
  /** Client port; the controller listens on port + 1. */
  port: number;
  /** Log and metadata directory; formatted on first start. */
  dataDir: string;
  /** Where the broker's own stdout/stderr go when it runs in the background. */
  logFile: string;
  /** Java heap ceiling, e.g. `256m`; 1g by default. A test's private broker needs far less. */
  maxHeap?: string;
  /** Clients must come in over TLS and authenticate with SASL/SCRAM on `port`. */
  secured?: SecuredListener;
  /** One member of a multi-node cluster instead of a cluster of its own. */
  member?: ClusterMember;
}

/**
 * A node of a KRaft cluster whose every node is both broker and controller: its id, the
 * cluster's id (the same on every node, given when its storage is formatted) and every
 * node's client port (each one's controller listens on its port + 1).
 */
export interface ClusterMember {
  nodeId: number;
  clusterId: string;
  ports: readonly number[];
}

/**
 * A SASL_SSL client listener, as managed Kafka offers. The broker keeps a plaintext listener
 * of its own on port + 2 for its inter-broker traffic and the runner's readiness probe; clients
 * are told only of the secured one on `port`.
 */
export interface SecuredListener {
  /** PKCS#12 keystore holding the broker's private key and certificate chain. */
  keystoreFile: string;
  keystorePassword: string;
  /** Users written into the cluster's metadata when its storage is formatted. */
  scramUsers: ScramUser[];
}

export interface ScramUser {
  mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  name: string;
  /** Letters and digits only: the storage tool's `name=…,password=…` syntax has no quoting. */
  password: string;
}

export function defaultBrokerOptions(port = Number(process.env.KAFKA_PORT ?? 9092)): BrokerOptions {
  return {
    port,
    dataDir: join(cacheRoot, `data-${port}`),
    logFile: join(cacheRoot, `broker-${port}.log`),
  };
}

function libsDir(): string {
  return join(cacheRoot, KAFKA_VERSION, 'libs');
}

/** Resolves the broker's jars with Maven once; later calls reuse the cache. */
export function fetchKafka(log: (line: string) => void = console.log): string {
  const libs = libsDir();
  const complete = join(libs, '.complete');
  if (existsSync(complete)) return libs;
  log(`Fetching Apache Kafka ${KAFKA_VERSION} from Maven Central (first run only)...`);
  rmSync(libs, { recursive: true, force: true });
  const result = spawnSync(
    'mvn',
    [
      '-q', '-B',
      '-f', join(here, 'pom.xml'),
      'dependency:copy-dependencies',
      `-Dkafka.version=${KAFKA_VERSION}`,
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) {
    throw new Error(`mvn could not resolve org.apache.kafka:kafka_2.13:${KAFKA_VERSION} (exit ${result.status})`);
  }
  writeFileSync(complete, new Date().toISOString());
  return libs;
}

/** Where the runner's readiness probe and the broker's own traffic go: plaintext either way. */
function plaintextPort(options: BrokerOptions): number {
  return options.secured ? options.port + 2 : options.port;
}

function listenerProperties(options: BrokerOptions): string[] {
  const controller = `CONTROLLER://127.0.0.1:${options.port + 1}`;
  if (!options.secured) {
    return [
      `listeners=PLAINTEXT://127.0.0.1:${options.port},${controller}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${options.port}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
    ];
  }
  const internal = `INTERNAL://127.0.0.1:${plaintextPort(options)}`;
  const scram = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return [
    `listeners=SASL_SSL://127.0.0.1:${options.port},${controller},${internal}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${options.port},${internal}`,
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT',
    'inter.broker.listener.name=INTERNAL',
    'sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${scram}`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${scram}`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${options.secured.keystoreFile}`,
    `ssl.keystore.password=${options.secured.keystorePassword}`,
    'ssl.client.auth=none',
  ];
}

function serverProperties(options: BrokerOptions): string {
  const member = options.member;
  const voters = member ? member.ports.map((port, index) => `${index + 1}@127.0.0.1:${port + 1}`).join(',') : `1@127.0.0.1:${options.port + 1}`;
  // One node keeps every internal topic on a single replica; a cluster keeps three, two of
  // them in sync before a write counts, as production runs it.
  const replicas = member ? Math.min(3, member.ports.length) : 1;
  const inSync = member ? Math.max(1, replicas - 1) : 1;
  return [
    'process.roles=broker,controller',
    `node.id=${member?.nodeId ?? 1}`,
    `controller.quorum.voters=${voters}`,
    ...listenerProperties(options),
    'controller.listener.names=CONTROLLER',
    `log.dirs=${join(options.dataDir, 'logs')}`,
    `offsets.topic.replication.factor=${replicas}`,
    `transaction.state.log.replication.factor=${replicas}`,
    `transaction.state.log.min.isr=${inSync}`,
    `share.coordinator.state.topic.replication.factor=${replicas}`,
    `share.coordinator.state.topic.min.isr=${inSync}`,
    `default.replication.factor=${replicas}`,
    // Fifty offset partitions (the default) take a single node tens of seconds to load after a
    // restart, during which consumer groups cannot join; a handful is plenty for one machine.
    'offsets.topic.num.partitions=4',
    'transaction.state.log.num.partitions=4',
    `min.insync.replicas=${inSync}`,
    'num.partitions=1',
    // Consumers join at once instead of waiting for more members that never come.
    'group.initial.rebalance.delay.ms=0',
    // Topics are created on purpose by infra/topics.ts, never by a typo.
    'auto.create.topics.enable=false',
    'log.retention.hours=168',
    'log.segment.bytes=104857600',
    '',
  ].join('\n');
}

const log4jConfig = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        Pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
`;

function javaArgs(libs: string, options: BrokerOptions, mainClass: string, args: string[]): string[] {
  return [
    `-Xms${options.maxHeap ?? '256m'}`, `-Xmx${options.maxHeap ?? '1g'}`, '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${join(options.dataDir, 'log4j2.yaml')}`,
    '-cp', `${libs}/*`,
    mainClass, ...args,
  ];
}

/** Writes the configuration and formats the storage directory if it was never formatted. */
function prepare(libs: string, options: BrokerOptions): string {
  mkdirSync(options.dataDir, { recursive: true });
  const propertiesFile = join(options.dataDir, 'server.properties');
  writeFileSync(propertiesFile, serverProperties(options));
  writeFileSync(join(options.dataDir, 'log4j2.yaml'), log4jConfig);
  if (!existsSync(join(options.dataDir, 'logs', 'meta.properties'))) {
    // A Kafka cluster id is 16 random bytes in URL-safe base64; passed as `--cluster-id=…`
    // because an id may start with "-", which the tool would otherwise read as an option.
    const clusterId = options.member?.clusterId ?? randomBytes(16).toString('base64url');
    // SCRAM credentials live in the cluster metadata; formatting is when a KRaft cluster gets
    // its first users, before any listener that needs them is up.
    const scram = (options.secured?.scramUsers ?? []).flatMap((user) => ['--add-scram', `${user.mechanism}=[name=${user.name},password=${user.password}]`]);
    const format = spawnSync(
      'java',
      javaArgs(libs, options, 'kafka.tools.StorageTool', ['format', `--cluster-id=${clusterId}`, '--config', propertiesFile, ...scram]),
      { encoding: 'utf8' },
    );
    if (format.status !== 0) throw new Error(`formatting Kafka storage failed:\n${format.stderr}${format.stdout}`);
  }
  return propertiesFile;
}

export function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once('connect', () => { socket.destroy(); resolvePromise(true); });
    socket.once('error', () => resolvePromise(false));
    socket.once('timeout', () => { socket.destroy(); resolvePromise(false); });
  });
}

/** Waits until the broker answers metadata requests, not merely until its port is open. */
export async function waitForBroker(brokers: string[], timeoutMs = 90_000): Promise<void> {
  const { Kafka, logLevel } = await import('kafkajs');
  await eventually(async () => {
    const admin = new Kafka({ clientId: 'backstop-broker-probe', brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0 && cluster.controller !== null ? true : undefined;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }, { timeoutMs, intervalMs: 500, what: `Kafka at ${brokers.join(',')} to become ready` });
}

export interface RunningBroker {
  /** Where clients connect: the secured listener when there is one. */
  brokers: string[];
  process: ChildProcess;
  stop(): Promise<void>;
}

function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => { clearTimeout(timer); resolvePromise(); });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a broker as a child of this process. With `background`, the broker outlives this
 * process (its pid is written beside its data) so a later `stop` can end it. With
 * `ownProcessGroup`, a Ctrl-C in the terminal reaches only this process, which decides when the
 * broker stops (after the services that use it).
 */
export async function startBroker(
  options: BrokerOptions = defaultBrokerOptions(),
  { background = false, ownProcessGroup = false, log = console.log }: { background?: boolean; ownProcessGroup?: boolean; log?: (line: string) => void } = {},
): Promise<RunningBroker> {
  if (await isPortOpen(options.port)) throw new Error(`port ${options.port} is already in use`);
  const libs = fetchKafka(log);
  const propertiesFile = prepare(libs, options);
  const out = openSync(options.logFile, 'a');
  const child = spawn('java', javaArgs(libs, options, 'kafka.Kafka', [propertiesFile]), {
    stdio: ['ignore', out, out],
    detached: background || ownProcessGroup,
  });
  if (background) {
    writeFileSync(join(options.dataDir, 'broker.pid'), String(child.pid));
    child.unref();
  }
  const brokers = [`127.0.0.1:${options.port}`];
  // The log's last lines go into the error: a cluster's directory, the log with it, is removed when its start fails.
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`Kafka exited with ${code} before it was ready; see ${options.logFile}, which ended:\n${logTail(options.logFile)}`))),
  );
  exited.catch(() => undefined);
  await Promise.race([waitForBroker([`127.0.0.1:${plaintextPort(options)}`]), exited]);
  return { brokers, process: child, stop: () => stopProcess(child) };
}

/** Stops a background broker by its pid file; waits until its port is closed. */
export async function stopBackgroundBroker(options: BrokerOptions = defaultBrokerOptions()): Promise<boolean> {
  const pidFile = join(options.dataDir, 'broker.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  rmSync(pidFile);
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(pid, 'SIGKILL');
  return true;
}

async function main(command: string | undefined): Promise<void> {
  const options = defaultBrokerOptions();
  switch (command) {
    case 'fetch':
      console.log(fetchKafka());
      return;
    case 'ensure': {
      if (await isPortOpen(options.port)) {
        await waitForBroker([`127.0.0.1:${options.port}`]);
        console.log(`Kafka already running at 127.0.0.1:${options.port}`);
        return;
      }
      await startBroker(options, { background: true });
      console.log(`Kafka ${KAFKA_VERSION} started at 127.0.0.1:${options.port} (log: ${options.logFile})`);
      return;
    }
    case 'stop':
      console.log((await stopBackgroundBroker(options)) ? 'Kafka stopped' : 'no background Kafka to stop');
      return;
    case 'start': {
      const broker = await startBroker(options);
      console.log(`Kafka ${KAFKA_VERSION} running at ${broker.brokers[0]}; Ctrl-C stops it`);
      const stop = () => void broker.stop().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    default:
      console.error('usage: broker.ts fetch|start|ensure|stop');
      process.exit(2);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}

/** The last lines of a log, or why they could not be read. */
function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch (error) {
    return `(unreadable: ${(error as Error).message})`;
  }
}
