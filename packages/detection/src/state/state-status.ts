import { z } from 'zod';

/**
 * What the sentinel key says about the payers' state: complete, or lost and being rebuilt
 * since `lostAtMs`. `episode` tells one loss from the next, so a rebuild of an earlier loss
 * can never mark a later one done. `slots`, when the loss came from Redis Cluster masters
 * replaced by their replicas: the hash slots whose last writes may be gone, as ranges
 * ("0-5460,10923"); without it, the whole state.
 */
export const StateStatus = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('complete'), sinceMs: z.number() }),
  z.strictObject({ state: z.literal('rebuilding'), lostAtMs: z.number(), episode: z.string().min(1), slots: z.string().optional() }),
]);
export type StateStatus = z.infer<typeof StateStatus>;

/**
 * Before the state was replayed from the events topic, the sentinel held only the end of a
 * fixed rebuild window. Read as the same thing: complete once that time passed, otherwise a
 * loss still being rebuilt, which a replay now completes.
 */
const WindowEnd = z.strictObject({ rebuiltAtMs: z.number() });

export function parseStatus(json: string, nowMs: number): StateStatus {
  const value: unknown = JSON.parse(json);
  const windowEnd = WindowEnd.safeParse(value);
  if (!windowEnd.success) return StateStatus.parse(value);
  const { rebuiltAtMs } = windowEnd.data;
  return rebuiltAtMs <= nowMs ? { state: 'complete', sinceMs: rebuiltAtMs } : { state: 'rebuilding', lostAtMs: nowMs, episode: `window-${rebuiltAtMs}` };
}

/**
 * Whether a flag raised now must be marked: the state is being rebuilt, and not for longer
 * than the bound. Past the bound flags are normal again even if no replay ever finished, as
 * before replays existed: by then new traffic has refilled the short windows, and marking
 * every flag forever would send every mistake to a reviewer.
 */
export function marksFlags(status: StateStatus, nowMs: number, maxRebuildMs: number): boolean {
  return status.state === 'rebuilding' && nowMs < status.lostAtMs + maxRebuildMs;
}
