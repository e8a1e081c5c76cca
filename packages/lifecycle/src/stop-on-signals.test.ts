import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./stop-on-signals.fixture.ts', import.meta.url));

/** Starts the fixture, sends SIGTERM once it is ready, and reports how it ended. */
async function terminate(behaviour: 'clean' | 'failing' | 'hanging') {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, behaviour], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  // 'close', not 'exit': the process may be gone before its last lines are read from the pipe.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      if (line === 'ready') resolve();
    });
  });
  child.kill('SIGTERM');
  const code = await exited;
  const logged = lines.filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { msg: string; step?: string });
  return { code, logged };
}

describe('stopOnSignals', () => {
  it('exits 0 once every step has finished', async () => {
    const { code, logged } = await terminate('clean');
    expect(code).toBe(0);
    // Sorted: pino's buffered writes may reach the pipe out of order when the process exits.
    expect(logged.map((entry) => entry.msg).sort()).toEqual(['shutting down', 'stopped']);
  }, 30_000);

  it('runs the remaining steps after one fails, then exits 1', async () => {
    const { code, logged } = await terminate('failing');
    expect(code).toBe(1);
    expect(logged.find((entry) => entry.msg === 'shutdown step failed')?.step).toBe('http');
    expect(logged.map((entry) => entry.msg)).toContain('stopped');
  }, 30_000);

  it('exits 1 past its bound, naming the step that hung', async () => {
    const { code, logged } = await terminate('hanging');
    expect(code).toBe(1);
    expect(logged.find((entry) => entry.msg === 'shutdown exceeded its bound; exiting')).toMatchObject({ step: 'consumer' });
    expect(logged.map((entry) => entry.msg)).not.toContain('stopped');
  }, 30_000);
});
