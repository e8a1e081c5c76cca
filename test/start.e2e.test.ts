import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { defaultBrokerOptions, isPortOpen } from '../infra/kafka/broker';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { eventually } from './support/wait';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm start` as a process, its output collected line by line; `banner` resolves once it has
 * printed everything a user needs. `detached` puts it in a process group of its own, like a
 * terminal's foreground job, so a Ctrl-C can reach all of it.
 */
function runStart(env: NodeJS.ProcessEnv, { detached = false, timeoutMs = 120_000 } = {}) {
  const start = spawn(process.execPath, ['--import', 'tsx', 'infra/dev/start.ts'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'], detached });
  const output: string[] = [];
  for (const stream of [start.stdout, start.stderr]) createInterface({ input: stream }).on('line', (line) => output.push(line));
  const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
  const banner = () => eventually(async () => (output.some((line) => line.startsWith('Then list refund decisions')) ? true : undefined), { timeoutMs, what: 'the start banner' });
  return { start, output, exited, banner };
}

/** `npm start` as a user runs it: the printed snippet works, and Ctrl-C stops everything. */
describe('npm start', () => {
  let stack: IsolatedStack;
  beforeAll(async () => { stack = await createIsolatedStack(); });
  afterAll(async () => { await stack?.close(); }, 60_000);

  it('prints working credentials and a signed curl, and stops cleanly on Ctrl-C', async () => {
    const { start, output, exited, banner } = runStart({ ...process.env, ...stack.env });
    try {
      await banner();
      const text = output.join('\n');
      const snippet = text.slice(text.indexOf('ts=$(date'), text.indexOf('\nThen list refund decisions'));
      const financeKey = /API key \(finance\)\s+(\S+)/.exec(text)?.[1];
      const consoleUrl = /Console\s+(http:\/\/\S+)\//.exec(text)?.[1];
      const ingestUrl = /Ingest \(webhooks\)\s+(http:\/\/\S+)\/v1/.exec(text)?.[1];
      expect(financeKey).toMatch(/^bsk_/);
      expect(text).toMatch(/Webhook secret\s+whsec_/);

      const first = await run('bash', ['-c', snippet]);
      const second = await run('bash', ['-c', snippet]);
      expect(JSON.parse(first.stdout)).toMatchObject({ status: 'accepted' });
      expect(JSON.parse(second.stdout)).toMatchObject({ status: 'accepted' });

      const decisions = await eventually(async () => {
        const response = await fetch(`${consoleUrl}/v1/refunds`, { headers: { authorization: `Bearer ${financeKey}` } });
        const body = (await response.json()) as { data: { flagType: string; action: string; status: string }[] };
        return body.data.length > 0 ? body.data : undefined;
      }, { what: 'the demo duplicate refund' });
      expect(decisions[0]).toMatchObject({ flagType: 'duplicate.exact', action: 'auto_refund' });
      // The outbox hands an approved refund to the platform within moments.
      expect(['approved', 'sent']).toContain(decisions[0]!.status);

      start.kill('SIGINT');
      expect(await exited).toBe(0);
      const ports = [ingestUrl, consoleUrl].map((url) => Number(new URL(url!).port));
      for (const port of ports) expect(await isPortOpen(port)).toBe(false);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
    }
  }, 180_000);

  it('starts its own broker without a red line, and on Ctrl-C stops the services before the broker', async () => {
    // A broker of its own, fresh: its coordinator loads while the services start, as on a first run.
    const brokerPort = Number(process.env.START_TEST_BROKER_PORT ?? 29492);
    rmSync(defaultBrokerOptions(brokerPort).dataDir, { recursive: true, force: true });
    const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, KAFKA_PORT: String(brokerPort) };
    delete env.KAFKA_BROKERS;
    const { start, output, exited, banner } = runStart(env, { detached: true, timeoutMs: 150_000 });
    try {
      await banner();
      expect(output.join('\n')).toContain('(started by npm start)');
      process.kill(-start.pid!, 'SIGINT');
      expect(await exited).toBe(0);

      // Log records at warn or worse, KafkaJS's start-up noise, and Node's own warnings (a
      // deprecated option, `(node:1234) [FSTDEP022] FastifyWarning: …`) on stderr.
      const problems = output.filter((line) => /"level":(40|50|60)\b|Crash|ECONNREFUSED|\(node:\d+\) /.test(line));
      expect(problems, problems.join('\n')).toEqual([]);
      const stoppedAt = (service: string) => output.findIndex((line) => line.startsWith(`[${service}]`) && line.includes('"msg":"stopped"'));
      const brokerStopAt = output.indexOf('Services stopped; stopping Kafka...');
      expect(brokerStopAt).toBeGreaterThan(0);
      for (const service of ['ingest', 'detector', 'refund-worker', 'console']) {
        expect(stoppedAt(service), service).toBeGreaterThan(0);
        expect(stoppedAt(service), service).toBeLessThan(brokerStopAt);
      }
      expect(output.at(-1)).toBe('Stopped.');
      expect(await isPortOpen(brokerPort)).toBe(false);
    } finally {
      if (start.exitCode === null) process.kill(-start.pid!, 'SIGKILL');
    }
  }, 240_000);
});
