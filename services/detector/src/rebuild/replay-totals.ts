import type { ReplayedBatch } from './replay-batch';

/** What a replay's batches did so far, summed, and the `onBatch` that adds each batch. */
export function replayTotals(): { totals: ReplayedBatch; add: (replayed: ReplayedBatch) => void } {
  const totals: ReplayedBatch = { restored: 0, known: 0, skipped: 0 };
  return {
    totals,
    add: (replayed) => {
      totals.restored += replayed.restored;
      totals.known += replayed.known;
      totals.skipped += replayed.skipped;
    },
  };
}
