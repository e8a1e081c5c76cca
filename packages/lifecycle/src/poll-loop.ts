export interface PollLoop {
  /** Ends the loop after the pass under way, and waits for it. */
  stop(): Promise<void>;
}

/**
 * Runs `pass` again at once while it finds work (it returns how much it handled), and after
 * `pollMs` once it finds none. A failed pass is reported and retried on the next poll, so a
 * database blip does not end the loop.
 */
export function startPollLoop(pass: () => Promise<number>, { pollMs, onError }: { pollMs: number; onError: (error: unknown) => void }): PollLoop {
  let running = true;
  let wakeUp: () => void = () => undefined;
  const loop = async () => {
    while (running) {
      let handled = 0;
      try {
        handled = await pass();
      } catch (error) {
        onError(error);
      }
      if (handled > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wakeUp = () => { clearTimeout(timer); resolve(); };
      });
    }
  };
  const done = loop();
  return {
    async stop() {
      running = false;
      wakeUp();
      await done;
    },
  };
}
