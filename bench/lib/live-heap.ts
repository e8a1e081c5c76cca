import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The heap a run holds, not what it has thrown away: `heapUsed` right after a full
 * collection. `heapUsed` alone counts garbage not yet collected, and swings by hundreds of MiB
 * between runs of the same work. The collector is reached without starting Node with
 * --expose-gc, and the time spent collecting is kept so a rate can leave it out.
 */
export class LiveHeap {
  private readonly collect: () => void;
  /** Milliseconds spent in the collections this sampler forced. */
  collectingMs = 0;

  constructor() {
    setFlagsFromString('--expose-gc');
    this.collect = runInNewContext('gc') as () => void;
  }

  /** Bytes in use after a full collection. */
  bytes(): number {
    const started = performance.now();
    this.collect();
    this.collectingMs += performance.now() - started;
    return process.memoryUsage().heapUsed;
  }
}
