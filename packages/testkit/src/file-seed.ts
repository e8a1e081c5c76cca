import { onTestFailed } from 'vitest';
import { freshSeed } from './random';

export interface FileSeed {
  /** TRAFFIC_SEED when set, else a fresh one. */
  readonly seed: number;
  /** The seed of the file's next run, said beside a failure of the test that is running. */
  nextRun(): number;
}

/**
 * One seed per test file from which each run of generated traffic in the file takes its own:
 * the runs differ from one another (the same seed twice would replay the same event ids, and
 * ingest would take the second run for retries), and the file's seed replays all of them, each
 * in its place. Call it once, at the top of the file. Kept out of the kit's index: it needs
 * vitest, which the simulator and the benches do not load.
 */
export function seedForFile(): FileSeed {
  const given = process.env.TRAFFIC_SEED;
  if (given !== undefined && given !== '' && !/^\d+$/.test(given)) throw new Error(`TRAFFIC_SEED must be a non-negative integer, not ${JSON.stringify(given)}`);
  const seed = given ? Number(given) >>> 0 : freshSeed();
  let runs = 0;
  return {
    seed,
    nextRun() {
      const run = runs++;
      // Golden-ratio steps spread consecutive runs over the whole seed space.
      const runSeed = (seed + Math.imul(run, 0x9e3779b9)) >>> 0;
      sayOnFailure(`TRAFFIC_SEED=${seed} replays this file's traffic (this was its run ${run + 1}, seed ${runSeed})`);
      return runSeed;
    },
  };
}

/** Prints `line` if the test that is running fails. */
export function sayOnFailure(line: string): void {
  try {
    onTestFailed(() => console.error(`traffic: ${line}`));
  } catch {
    // Called from a hook or outside a test: the caller keeps the seed on what it returns.
  }
}
