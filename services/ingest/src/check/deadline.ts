/** What became of work given a deadline: its value, its failure, or nothing in time. */
export type Deadlined<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'late' };

/**
 * Waits for `work` at most `ms`. The work is not cancelled (a Redis reply may still arrive),
 * but whatever it ends in is handled here, so a late failure never surfaces as unhandled.
 */
export function withinDeadline<T>(work: Promise<T>, ms: number): Promise<Deadlined<T>> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'late' }), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'done', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'failed', error });
      },
    );
  });
}
