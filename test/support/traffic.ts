import { randomUUID } from 'node:crypto';
import type { Flag, FlagType, WebhookEvent } from '@backstop/contracts';
import { tenantDay } from '@backstop/ledger';
import { buildFlag } from './flags';

/** The generator's own books: what it sent and what its simulated platform answered. */
export interface Tally {
  count: number;
  amount: number;
}

export interface ExpectedRow {
  decided: Tally;
  sent: Tally;
  confirmed: Tally;
  failed: Tally;
}

export interface GeneratedCharge {
  flag: Flag;
  at: Date;
  day: string;
  /** What the default policy does with it. */
  expected: 'auto' | 'review' | 'none';
}

export interface TrafficOptions {
  tenants: { tenantId: string; timeZone: string }[];
  /** Charges spread over the 48 hours around the start of `day` (UTC), across day boundaries in every zone. */
  day: string;
  count: number;
  seed?: number;
}

/** A small deterministic PRNG (mulberry32), so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kinds: { type: FlagType; expected: GeneratedCharge['expected'] }[] = [
  { type: 'duplicate.exact', expected: 'auto' },
  { type: 'amount.outlier', expected: 'review' },
  { type: 'velocity.burst', expected: 'none' },
];

export function generateCharges(options: TrafficOptions): GeneratedCharge[] {
  const next = random(options.seed ?? 20261120);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const start = Date.parse(`${options.day}T00:00:00Z`) - 24 * 3_600_000;
  const charges: GeneratedCharge[] = [];
  for (let i = 0; i < options.count; i += 1) {
    const tenant = pick(options.tenants);
    const at = new Date(start + Math.floor(next() * 48 * 3_600_000));
    const kind = pick(kinds);
    const currency = pick(['CNY', 'USD', 'JPY']);
    const amount = 100 + Math.floor(next() * 50_000);
    const flag = buildFlag(tenant.tenantId, {
      type: kind.type,
      severity: 'high',
      flaggedAt: at,
      payment: { amount, unitPrice: amount, currency, merchantId: pick(['m_cards', 'm_topups']), channel: pick(['alipay', 'wechat', 'card']) },
    });
    charges.push({ flag, at, day: tenantDay(at, tenant.timeZone), expected: kind.expected });
  }
  return charges.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export type PlatformAnswer = 'succeeded' | 'succeeded_short' | 'failed' | 'silent';

/** The simulated platform's answer to a refund command, and the webhook event that says it. */
export function platformAnswer(next: () => number, command: { decisionId: string; paymentId: string; payerId: string; amount: number; currency: string }, at: Date): { answer: PlatformAnswer; event?: WebhookEvent; reported: number } {
  const roll = next();
  const answer: PlatformAnswer = roll < 0.55 ? 'succeeded' : roll < 0.65 ? 'succeeded_short' : roll < 0.85 ? 'failed' : 'silent';
  if (answer === 'silent') return { answer, reported: 0 };
  const reported = answer === 'succeeded_short' ? command.amount - 1 : command.amount;
  return {
    answer,
    reported,
    event: {
      id: `evt_${randomUUID()}`,
      type: answer === 'failed' ? 'refund.failed' : 'refund.succeeded',
      occurredAt: at.toISOString(),
      data: { paymentId: command.paymentId, payerId: command.payerId, amount: reported, currency: command.currency, decisionId: command.decisionId },
    } as WebhookEvent,
  };
}

export { random };
