import type { ConsumerConfig } from 'kafkajs';

/** How often a member tells the coordinator it is alive; KafkaJS sends no more often than this. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * How a consumer keeps its place in its group. A member that dies without leaving (SIGKILL, a
 * lost machine) keeps its partitions until the coordinator has missed it for
 * `sessionTimeoutMs`. The survivors then hear of the rebalance at their next heartbeat and
 * rejoin once their fetches in flight have come back, so the heartbeat interval and a fetch's
 * longest wait (`fetchGathering`) are added to the session before the partitions move on.
 * A second between heartbeats keeps that addition small; a third of the session leaves a
 * member that misses one or two heartbeats in its group.
 */
export function groupMembership(sessionTimeoutMs: number): Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'> {
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3)) };
}
