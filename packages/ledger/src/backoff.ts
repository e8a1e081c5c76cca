/**
 * Delay before the next delivery attempt: doubling from `baseMs`, capped at `capMs`, with
 * "equal jitter" (half fixed, half random) so endpoints that failed together do not retry in
 * lockstep. `random` is injectable for tests.
 */
export function retryDelayMs(attempts: number, { baseMs = 1_000, capMs = 3_600_000, random = Math.random } = {}): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(Math.max(attempts - 1, 0), 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * When to try a failed delivery again: the backoff, or later when a busy endpoint's
 * Retry-After asked for more, up to the cap, so an endpoint cannot park a refund for days.
 */
export function nextAttemptInMs(attempts: number, failure: { retryAfterMs?: number }, options: { baseMs?: number; capMs?: number; random?: () => number } = {}): number {
  const backoff = retryDelayMs(attempts, options);
  return failure.retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(failure.retryAfterMs, options.capMs ?? 3_600_000));
}
