import { alertedMetrics } from '@backstop/metrics';

/** Reads a service's Prometheus endpoint as a scraper would. */
export async function scrapeMetrics(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`);
  return response.text();
}

/**
 * The sum of the samples of one metric in Prometheus text format whose labels include
 * `labels` (every label set when none are given), or undefined when there is no such sample,
 * e.g. a gauge not collected yet.
 */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([label, value]) => `${label}="${value}"`);
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith('{') && !rest.startsWith(' ')) continue;
    const present = rest.startsWith('{') ? rest.slice(1, rest.indexOf('}')).split(',') : [];
    if (!wanted.every((pair) => present.includes(pair))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum = (sum ?? 0) + value;
  }
  return sum;
}

export const RESIDENT_MEMORY = 'process_resident_memory_bytes';
export const HEAP_USED = 'nodejs_heap_size_used_bytes';

export interface ConsumerSample {
  at: number;
  /** Messages the service's consumer group has not committed, over all partitions. */
  lag: number;
  rssBytes: number;
  heapUsedBytes: number;
}

/**
 * Scrapes a consumer's metrics endpoint once a second, as Prometheus would, keeping its lag
 * and memory. Scrapes that fail (the process is busy or gone) are skipped.
 */
export function watchConsumer(baseUrl: string, intervalMs = 1_000) {
  const samples: ConsumerSample[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const startedAt = Date.now();
      try {
        const text = await scrapeMetrics(baseUrl);
        const lag = metricSum(text, alertedMetrics.consumerLag);
        const rssBytes = metricSum(text, RESIDENT_MEMORY);
        const heapUsedBytes = metricSum(text, HEAP_USED);
        if (lag !== undefined && rssBytes !== undefined && heapUsedBytes !== undefined) samples.push({ at: startedAt, lag, rssBytes, heapUsedBytes });
      } catch {
        // The next scrape will tell.
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + intervalMs - Date.now())));
    }
  })();
  return {
    samples,
    /** Samples taken from `since` on (ms since the epoch). */
    since: (since: number) => samples.filter((sample) => sample.at >= since),
    latest: () => samples.at(-1),
    async stop() {
      running = false;
      await done;
    },
  };
}
