import { randomUUID } from 'node:crypto';
import type { Redis } from '@backstop/redis';
import { rebuildLockKey } from '@backstop/detection';

/**
 * Lets one detector instance at a time replay the events topic. The lock is a lease: its
 * holder extends it while it works, and if the holder dies the lease runs out and another
 * instance takes the rebuild over. Only the holder's token can extend or release it, so a
 * holder that stalled past its lease cannot undo the next holder's claim.
 */
export class RebuildLock {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly leaseMs: number,
    private readonly token: string = randomUUID(),
  ) {
    this.key = rebuildLockKey(prefix);
  }

  async tryAcquire(): Promise<boolean> {
    return (await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX')) === 'OK';
  }

  /** False when this holder's lease already ran out: it must stop, someone else may rebuild. */
  async extend(): Promise<boolean> {
    return (await this.redis.extendLock(this.key, this.token, this.leaseMs)) === 1;
  }

  async release(): Promise<void> {
    await this.redis.releaseLock(this.key, this.token);
  }
}
