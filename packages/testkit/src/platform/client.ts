import { randomUUID } from 'node:crypto';
import type { WebhookEvent } from '@backstop/contracts';
import { signedHeaders } from '@backstop/signing';

export interface ClientOptions {
  baseUrl: string;
  tenantId: string;
  secret: string;
  /** Per attempt, in milliseconds. */
  timeoutMs: number;
  /** Attempts per delivery, the first included. */
  attempts: number;
}

export interface Delivery {
  /** The final answer's status, or 0 when every attempt timed out or failed to connect. */
  status: number;
  attempts: number;
  body: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Posts like a real platform does: signs every attempt afresh (the timestamp must be recent),
 * and retries on 5xx, 429, timeouts and connection errors with exponential backoff and
 * jitter, honouring Retry-After. A 4xx other than 429 is final.
 */
export class WebhookClient {
  constructor(private readonly options: ClientOptions) {}

  sendEvent(event: WebhookEvent): Promise<Delivery> {
    return this.deliver('/v1/webhooks/payments', event.id, JSON.stringify(event));
  }

  sendBatch(events: WebhookEvent[]): Promise<Delivery> {
    return this.deliver('/v1/webhooks/payments:batch', `batch_${randomUUID()}`, JSON.stringify({ events }));
  }

  private async deliver(path: string, id: string, body: string): Promise<Delivery> {
    let last: Delivery = { status: 0, attempts: 0, body: undefined };
    for (let attempt = 1; attempt <= this.options.attempts; attempt += 1) {
      let waitMs = Math.min(10_000, 250 * 2 ** (attempt - 1)) * (0.5 + Math.random());
      try {
        const response = await fetch(this.options.baseUrl + path, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-tenant-id': this.options.tenantId, ...signedHeaders(this.options.secret, id, body) },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        last = { status: response.status, attempts: attempt, body: await response.json().catch(() => undefined) };
        if (response.status < 500 && response.status !== 429) return last;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (retryAfter > 0) waitMs = retryAfter * 1000;
      } catch {
        last = { status: 0, attempts: attempt, body: undefined };
      }
      if (attempt < this.options.attempts) await sleep(waitMs);
    }
    return last;
  }
}
