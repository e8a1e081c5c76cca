import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs a broker request again while the broker answers with an error it marks retriable: a
 * coordinator still loading its offsets right after a start (GROUP_LOAD_IN_PROGRESS), a
 * leader moving. KafkaJS retries these inside consumers and producers, but an admin request
 * passes them straight to the caller.
 */
export async function retryRetriable<T>(request: () => Promise<T>, { attempts = 20, delayMs = 250 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await request();
    } catch (error) {
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= attempts) throw error;
      await sleep(Math.min(delayMs * attempt, 2_000));
    }
  }
}
