import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { KAFKA_VERSION } from '../../infra/kafka/broker';

function version(command: string, args: string[], pattern: RegExp): string {
  // Some tools (java -version) print their version on stderr: look at both.
  const result = spawnSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}`;
  return pattern.exec(output)?.[1] ?? (output.trim().split('\n')[0] || 'unknown');
}

/** What the numbers were measured on: they mean little without it. */
export function describeMachine() {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kafka: KAFKA_VERSION,
    java: version('java', ['-version'], /version "([^"]+)"/),
    redis: version('redis-server', ['--version'], /v=(\S+)/),
    postgres: version('psql', ['--version'], /PostgreSQL\)\s+(\S+)/),
  };
}
