import { Redis } from 'ioredis';

export { Redis };

/**
 * A client that keeps retrying while Redis is away (commands queue, callers wait) rather
 * than failing fast: the consumers would rather slow down than skip work.
 */
export function createRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    connectionName,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
}
