import { Cluster, Redis as SingleRedis, type ClusterOptions, type RedisOptions } from 'ioredis';

export { Cluster, SingleRedis };

/**
 * A client of one Redis or of a Redis Cluster: every service takes either from the same
 * setting (see `createRedis`), and what it sends works on both.
 */
export type Redis = SingleRedis | Cluster;

/**
 * The nodes a REDIS_URL names: one `redis://` URL, or several separated by commas, which
 * makes the client a Redis Cluster client seeded with all of them (any one that answers is
 * enough to learn the rest).
 */
export function redisNodesOf(url: string): URL[] {
  return url.split(',').map((part) => part.trim()).filter(Boolean).map((part) => new URL(part));
}

/** Whether a REDIS_URL names a Redis Cluster (several seed nodes). */
export const isClusterUrl = (url: string): boolean => redisNodesOf(url).length > 1;

/**
 * A client for REDIS_URL with the options given, as a Cluster client when the URL names
 * several nodes. A cluster's nodes share the first URL's credentials and TLS.
 */
export function redisClient(url: string, options: RedisOptions): Redis {
  const nodes = redisNodesOf(url);
  if (nodes.length === 1) return new SingleRedis(url, options);
  const first = nodes[0]!;
  const redisOptions: RedisOptions = {
    ...options,
    ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
    ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
    ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  const clusterOptions: ClusterOptions = {
    redisOptions,
    // Off on a cluster: ioredis groups auto-pipelined commands by their first argument, which
    // for a script given its key count per call is that count, not a key, and so mixes nodes
    // in one pipeline. Callers batch per slot themselves (SlotPipelines, the ingest gate).
    enableAutoPipelining: false,
    // Commands wait while the cluster moves a slot or promotes a replica, instead of failing:
    // a retry every 300 ms, for up to 15 s, covers a failover (node timeout plus election).
    retryDelayOnFailover: 300,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 300,
    maxRedirections: 50,
    clusterRetryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  };
  return new Cluster(nodes.map((node) => ({ host: node.hostname, port: Number(node.port || 6379) })), clusterOptions);
}

/**
 * A client that keeps retrying while Redis is away (commands queue, callers wait) rather
 * than failing fast: the consumers would rather slow down than skip work.
 */
export function createRedis(url: string, connectionName: string): Redis {
  return redisClient(url, {
    connectionName,
    maxRetriesPerRequest: null,
    enableAutoPipelining: false,
    retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
  });
}

export { SlotPipelines } from './slot-pipelines';
export { deleteMatching, forEachKey } from './keys';
export { SLOTS, SlotRanges } from './slot-ranges';
