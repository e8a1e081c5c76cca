/**
 * A process whose shutdown is set by its first argument, for stop-on-signals.test.ts:
 * `clean` stops at once, `failing` has a step that throws, `hanging` a step that never ends.
 */
import { createLogger } from '@backstop/logging';
import { stopOnSignals, type ShutdownStep } from './stop-on-signals';

const behaviour = process.argv[2];
const steps: Record<string, ShutdownStep[]> = {
  clean: [['http', async () => undefined]],
  failing: [['http', async () => { throw new Error('socket already closed'); }], ['postgres', async () => undefined]],
  hanging: [['http', async () => undefined], ['consumer', () => new Promise<never>(() => undefined)]],
};
stopOnSignals(createLogger('fixture', 'info'), steps[behaviour!]!, 1_000);
// Keeps the event loop alive, as a server's socket would.
setInterval(() => undefined, 60_000);
console.log('ready');
