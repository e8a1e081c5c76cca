import { createPayerStateStore, type PayerStateSettings, type PayerStateStore, type StoredFlags } from '@backstop/detection';
import { deleteMatching, type Redis } from '@backstop/redis';

export interface ShadowState {
  prefix: string;
  store: PayerStateStore<StoredFlags>;
  /** Deletes every key of the shadow state, on every master of a cluster (SCAN and UNLINK, never KEYS or FLUSH). */
  drop(): Promise<void>;
}

/**
 * The payers' state of one backtest run: the detector's own store and scripts under a key
 * prefix of the run's own, `<prefix>:backtest:<runId>`, beside production's `<prefix>:det:…`
 * and never overlapping it. Its sku cache is read afresh for every batch (see MergeQueues),
 * whatever the wall clock does: the clock handed in advances a whole cache period per call.
 */
export function createShadowState(redis: Redis, settings: PayerStateSettings, runId: string): ShadowState {
  const prefix = `${settings.REDIS_KEY_PREFIX}:backtest:${runId}`;
  let tick = 0;
  const clock = () => (tick += settings.DETECTOR_SKU_CACHE_MS + 1);
  const store = createPayerStateStore(redis, { ...settings, REDIS_KEY_PREFIX: prefix }, clock);
  return {
    prefix,
    store,
    async drop() {
      await deleteMatching(redis, `${prefix}:*`);
    },
  };
}
