import type { WebhookEvent } from '@backstop/contracts';
import { TrafficGenerator } from '@backstop/testkit';
import { paymentEvent, uniqueId } from './webhooks';

const minute = 60_000;

/** A second purchase of the same card by the same payer, `gapMs` of event time after the first. */
export interface PlantedPair {
  payerId: string;
  gapMs: number;
  first: WebhookEvent;
  second: WebhookEvent;
  /** The second payment: the one a duplicate.suspected flag names. */
  paymentId: string;
  amount: number;
}

function pair(atMs: number, gapMs: number, amount: number): PlantedPair {
  const payerId = uniqueId('bt_payer');
  const data = { payerId, sku: 'planted-card', category: 'planted', unitPrice: amount, amount, quantity: 1 };
  const first = paymentEvent(data, new Date(atMs));
  const second = paymentEvent(data, new Date(atMs + gapMs));
  return { payerId, gapMs, first, second, paymentId: second.type === 'payment.succeeded' ? second.data.paymentId : '', amount };
}

/**
 * Known traffic for backtests: seeded background traffic of a card shop whose events are 20
 * minutes apart in event time (so no two of them are ever duplicates within any window up to
 * 600 s), and pairs planted on payers of their own, in an event-time range of their own:
 * - `widened`: 300 s apart, flagged only once the duplicate window grows from 120 s to 600 s;
 *   the last of them costs more than the policy's automatic-refund cap;
 * - `close`: 30 s apart (medium severity), flagged under either window;
 * - `apart`: 15 minutes apart, flagged under neither.
 * `straddling` pairs are `widened` pairs whose first payment is accepted before the period
 * starts: only a warm-up read finds it.
 */
export function backtestTraffic(seed: number, backgroundEvents: number) {
  const base = Date.now() - 10 * 24 * 3_600_000;
  let clock = base;
  const generator = new TrafficGenerator({
    seed,
    payers: 400,
    catalogue: 'en',
    mix: { mistakes: { duplicate: 0.03, recipient: 0.02, product: 0.02 }, delivered: 0.5, retry: 0.01 },
    clock: () => (clock += 20 * minute),
  });
  const background = Array.from({ length: backgroundEvents }, () => generator.next().event).concat(generator.drain().map((g) => g.event));
  const plantedAt = base - 5 * 24 * 3_600_000;
  const at = (i: number) => plantedAt + i * 60 * minute;
  const widened = [0, 1, 2, 3, 4].map((i) => pair(at(i), 5 * minute, i === 4 ? 90_000 : 10_000 + 100 * i));
  const straddling = [5, 6].map((i) => pair(at(i), 5 * minute, 12_000 + 100 * i));
  const close = [7, 8, 9, 10].map((i) => pair(at(i), 30_000, 6_000 + 100 * i));
  const apart = [11, 12].map((i) => pair(at(i), 15 * minute, 3_000));
  const half = Math.floor(background.length / 2);
  return {
    seed,
    /** Accepted before the period: half the background and the straddling pairs' first payments. */
    history: [...background.slice(0, half), ...straddling.map((p) => p.first)],
    /** Accepted within the period. */
    period: [
      ...background.slice(half),
      ...straddling.map((p) => p.second),
      ...[...widened, ...close, ...apart].flatMap((p) => [p.first, p.second]),
    ],
    widened: [...widened, ...straddling],
    close,
    apart,
  };
}
