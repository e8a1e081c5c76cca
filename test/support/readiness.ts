import { alertedMetrics } from '@backstop/metrics';
import { metricSum, scrapeMetrics } from './metrics';
import { eventually } from './wait';

export interface Readiness {
  status: number;
  body: { status: string; reason?: string };
}

/** What a service's `/readyz` answers right now, as a load balancer or Kubernetes sees it. */
export async function readiness(baseUrl: string): Promise<Readiness> {
  const response = await fetch(`${baseUrl}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Readiness['body'] };
}

/** Polls `/readyz` until it answers 503, and returns that answer. */
export function notReady(baseUrl: string): Promise<Readiness> {
  return eventually(async () => {
    const answer = await readiness(baseUrl);
    return answer.status === 503 ? answer : undefined;
  }, { what: `${baseUrl}/readyz to answer 503` });
}

/** `backstop_consumer_running` for one consumer, as scraped; undefined before it is watched. */
export async function consumerRunning(baseUrl: string, consumer: string): Promise<number | undefined> {
  return metricSum(await scrapeMetrics(baseUrl), alertedMetrics.consumerRunning, { consumer });
}
