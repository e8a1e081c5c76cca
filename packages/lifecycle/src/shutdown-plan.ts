import type { ShutdownStep } from './stop-on-signals';

/**
 * What a service builder started, kept so stopping runs it in reverse: the last thing started
 * (the consumer taking work) is the first stopped, the pools it wrote through the last.
 * Clients a caller handed in are the caller's to close and are never added.
 */
export class ShutdownPlan {
  private readonly steps: ShutdownStep[] = [];

  /** Stops `stop` before everything added earlier. */
  add(name: string, stop: () => Promise<unknown>): void {
    this.steps.unshift([name, stop]);
  }

  /** The steps in the order they run, for `stopOnSignals`, which bounds them and names one that hangs. */
  get ordered(): ShutdownStep[] {
    return [...this.steps];
  }

  /** Runs every step, in order, even after one fails; then throws the first failure. */
  async run(): Promise<void> {
    let failure: unknown;
    for (const [, stop] of this.steps.splice(0)) {
      try {
        await stop();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  }
}
