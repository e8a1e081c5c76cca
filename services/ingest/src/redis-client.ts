import { redisClient, type Redis } from '@backstop/redis';

/**
 * Ingest's Redis client fails fast instead of queueing while Redis is away: a webhook waiting
 * on Redis would hold the platform's connection until it times out, while a quick 503 with
 * Retry-After lets it retry on its own schedule. Nothing is accepted without Redis.
 */
export function createIngestRedis(url: string, connectionName: string, onError: (error: Error) => void, commandTimeoutMs = 1_000): Redis {
  const redis = redisClient(url, {
    connectionName,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 1,
    // Concurrent requests' commands share one write to the socket instead of one each.
    enableAutoPipelining: true,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
  });
  redis.on('error', onError);
  return redis;
}
