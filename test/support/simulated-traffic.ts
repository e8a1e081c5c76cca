import type { SentEvent } from '../../infra/tools/invariants/invariants';
import { WebhookClient, MISTAKES, TrafficGenerator, type Generated, type Mistake, type TrafficMix } from '@backstop/testkit';
import { sayOnFailure, seedForFile } from '@backstop/testkit/file-seed';

export interface TrafficRun {
  /** This run's generator seed (derived from the file's TRAFFIC_SEED unless one was given). */
  seed: number;
  /** The sender's own record, as `npm run simulate -- --log` writes it. */
  sent: SentEvent[];
  /** Events that needed more than one attempt: proof a fault landed on the stream. */
  retried: () => number;
  /** Resolves once every event has had its final answer. */
  done: Promise<SentEvent[]>;
}

export interface TrafficOptions {
  ingestUrl: string;
  tenantId: string;
  secret: string;
  count: number;
  /** Events started per second. */
  rate: number;
  payers?: number;
  mix?: TrafficMix;
  /** Attempts per event; a platform keeps retrying through an outage. */
  attempts?: number;
  /**
   * Deliver each payer's events one after another, as a platform that queues webhooks per
   * customer does. Without it, retries through an outage reorder a payer's events, and a
   * rule judged on arrival can miss a mistake whose evidence arrives after it.
   */
  inOrderPerPayer?: boolean;
  /** Called after each event's final answer, with how many are answered so far. */
  onAnswered?: (answered: number) => void;
  /** A fixed seed for this run alone; by default one derived from the file's traffic seed. */
  seed?: number;
}

/** At module scope: each test file loads this module afresh, so this is the file's seed. */
const fileSeed = seedForFile();

/** A mix heavy in mistakes, so a short run plants every kind several times. */
export const MISTAKE_HEAVY: TrafficMix = { mistakes: { duplicate: 0.03, amount: 0.03, recipient: 0.03, product: 0.04 }, delivered: 0.3, retry: 0.02 };

/**
 * Plays the simulator in-process: its generator and its retrying client, at a steady rate,
 * recording one SentEvent per event with the final status the platform saw.
 */
export function sendTraffic(options: TrafficOptions): TrafficRun {
  if (options.seed !== undefined) sayOnFailure(`seed ${options.seed}, fixed by the test`);
  const seed = options.seed ?? fileSeed.nextRun();
  const generator = new TrafficGenerator({ mix: options.mix ?? MISTAKE_HEAVY, payers: options.payers ?? 60, seed });
  const client = new WebhookClient({ baseUrl: options.ingestUrl, tenantId: options.tenantId, secret: options.secret, timeoutMs: 5_000, attempts: options.attempts ?? 12 });
  const sent: SentEvent[] = [];
  const pending: Promise<void>[] = [];
  const lastOfPayer = new Map<string, Promise<void>>();
  let retried = 0;
  const startedAt = Date.now();
  const done = (async () => {
    const send = ({ kind, event }: Generated) => {
      const previous = options.inOrderPerPayer === false ? undefined : lastOfPayer.get(event.data.payerId);
      const delivered = (previous ?? Promise.resolve()).then(() =>
        client.sendEvent(event).then((delivery) => {
          if (delivery.attempts > 1) retried += 1;
          const payment = event.type === 'payment.succeeded' ? event.data : undefined;
          sent.push({
            tenantId: options.tenantId,
            eventId: event.id,
            type: event.type,
            status: delivery.status,
            ...(payment ? { paymentId: payment.paymentId, amount: payment.amount } : {}),
            ...((MISTAKES as readonly string[]).includes(kind) ? { mistake: kind as Mistake } : {}),
          });
          options.onAnswered?.(sent.length);
        }),
      );
      lastOfPayer.set(event.data.payerId, delivered);
      pending.push(delivered);
    };
    for (let index = 0; index < options.count; index += 1) {
      const dueMs = startedAt + (index * 1000) / options.rate;
      if (dueMs > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueMs - Date.now()));
      send(generator.next());
    }
    // The run ends with every planted mistake complete, corrections included.
    for (const generated of generator.drain()) send(generated);
    await Promise.all(pending);
    return sent;
  })();
  return { seed: generator.seed, sent, done, retried: () => retried };
}
