import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';
import { eventually } from '../support/wait';

/** Pids of live processes whose environment names this stack's topic prefix. */
function processesOf(stack: IsolatedStack): number[] {
  const marker = `KAFKA_TOPIC_PREFIX=${stack.topicPrefix}`;
  return readdirSync('/proc').filter((entry) => /^\d+$/.test(entry)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(marker);
    } catch {
      return false; // gone already, or not ours to read
    }
  });
}

describe('startServices', () => {
  let stack: IsolatedStack;
  beforeAll(async () => {
    stack = await createIsolatedStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  }, 60_000);

  it('stops the services that did start when another one fails, so none outlives the test', async () => {
    // The detector refuses this setting and exits at once; ingest starts normally.
    await expect(startServices(stack, ['ingest', 'detector'], { DETECTOR_ALLOWED_LATENESS_SECONDS: 'late' })).rejects.toThrow(/detector/);
    expect(await eventually(async () => (processesOf(stack).length === 0 ? 'none left' : undefined), { timeoutMs: 30_000, what: 'the started services to stop' })).toBe('none left');
  }, 120_000);
});
