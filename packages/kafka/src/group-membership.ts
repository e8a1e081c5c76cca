import type { ConsumerConfig } from 'kafkajs';

/** The interval between a member's heartbeats. KafkaJS heartbeats between passes, once this has passed since its last one. */
export const HEARTBEAT_INTERVAL_MS = 1_000;

/**
 * How a consumer keeps its place in its group. A member that dies without leaving (SIGKILL, a
 * lost machine) keeps its partitions until the coordinator has missed it for
 * `sessionTimeoutMs`. The survivors then hear of the rebalance at their next heartbeat and
 * rejoin once their fetches in flight have come back, so the heartbeat interval and a fetch's
 * longest wait (`fetchGathering`) are added to the session before the partitions move on.
 * A second between heartbeats keeps that addition small; a third of the session leaves a
 * member that misses one or two heartbeats in its group.
 *
 * KafkaJS heartbeats only between passes, so a pass longer than the session gets its member
 * dropped: its commit is refused and its events are redelivered to the partitions' next owner.
 * The detector's state rebuild counts on exactly that (a pass that observed events in a Redis
 * that then lost them either commits within a session or never), so no heartbeat is sent
 * from inside a pass.
 */
export function groupMembership(sessionTimeoutMs: number): Pick<ConsumerConfig, 'sessionTimeout' | 'heartbeatInterval'> {
  return { sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(sessionTimeoutMs / 3)) };
}
